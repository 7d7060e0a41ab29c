import env from '#start/env'
import { defineConfig } from '@adonisjs/transmit'
import { postgresTransport } from '#core/live/postgres_transport'

/*
| Live updates (SSE). Events happen in the gateway and the worker; the web
| process holds the browsers' streams. They meet through PostgreSQL
| LISTEN/NOTIFY on channel `pilehub_live` (owner connection settings), so no
| Redis is needed.
*/
export default defineConfig({
  // Keeps idle streams open through proxies that cut silent connections.
  pingInterval: '30s',
  transport: {
    channel: 'pilehub_live',
    driver: postgresTransport(
      (env.get('DATABASE_OWNER_URL') ?? env.get('DATABASE_URL'))
        ? { connectionString: env.get('DATABASE_OWNER_URL') ?? env.get('DATABASE_URL') }
        : {
            host: env.get('DB_HOST'),
            port: env.get('DB_PORT', 5432),
            user: env.get('DB_USER'),
            password: env.get('DB_PASSWORD'),
            database: env.get('DB_DATABASE'),
          }
    ),
  },
})
