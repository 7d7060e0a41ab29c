import pg from 'pg'
import env from '#start/env'
import { defineConfig } from '@adonisjs/lucid'

/*
| BIGINT (ids, money in fen) arrives from PostgreSQL as text by default.
| Read it as a number: every value we store is far below 2^53, and one
| that is not is refused rather than silently rounded.
*/
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => {
  const parsed = Number(value)
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`BIGINT ${value} exceeds 2^53`)
  return parsed
})

/*
| Two connections to the same database:
| - `app`, the default: the role tenant queries run as. It owns no table, so
|   PostgreSQL row-level security applies to it (the second tenant wall).
| - `owner`: the role that owns the schema. Migrations and seeders run as it,
|   and so do the few platform-level reads that happen before a tenant is
|   known (finding the staff member who logs in).
| With only DATABASE_URL set, both use it.
| Pool sizes by env: the gateway takes a frame per pile per second and
| runs with larger pools (DB_POOL_MAX, DB_OWNER_POOL_MAX) than a web process.
*/
function connectionSettings(url: string | undefined) {
  if (url) return { connectionString: url }
  return {
    host: env.get('DB_HOST'),
    port: env.get('DB_PORT', 5432),
    user: env.get('DB_USER'),
    password: env.get('DB_PASSWORD'),
    database: env.get('DB_DATABASE'),
  }
}

const shared = {
  client: 'pg' as const,
  migrations: { naturalSort: true, paths: ['database/migrations'] },
  // Models are written by hand, with their relations and types beside them.
  schemaGeneration: { enabled: false },
  seeders: { paths: ['database/seeders'] },
}

const dbConfig = defineConfig({
  connection: 'app',
  connections: {
    app: {
      ...shared,
      connection: connectionSettings(env.get('DATABASE_URL')),
      pool: { min: 0, max: env.get('DB_POOL_MAX', 10) },
    },
    owner: {
      ...shared,
      connection: connectionSettings(env.get('DATABASE_OWNER_URL') ?? env.get('DATABASE_URL')),
      pool: { min: 0, max: env.get('DB_OWNER_POOL_MAX', 4) },
    },
  },
})

export default dbConfig
