import env from '#start/env'
import { defineConfig } from '@adonisjs/lucid'

const databaseUrl = env.get('DATABASE_URL')

const dbConfig = defineConfig({
  connection: 'postgres',
  connections: {
    postgres: {
      client: 'pg',
      connection: databaseUrl
        ? { connectionString: databaseUrl }
        : {
            host: env.get('DB_HOST'),
            port: env.get('DB_PORT', 5432),
            user: env.get('DB_USER'),
            password: env.get('DB_PASSWORD'),
            database: env.get('DB_DATABASE'),
          },
      pool: { min: 0, max: 10 },
      migrations: {
        naturalSort: true,
        paths: ['database/migrations'],
      },
      // Models are written by hand, with their relations and types beside them.
      schemaGeneration: { enabled: false },
      seeders: {
        paths: ['database/seeders'],
      },
    },
  },
})

export default dbConfig
