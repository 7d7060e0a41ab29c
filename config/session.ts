import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig, stores } from '@adonisjs/session'

/*
| Sessions live in PostgreSQL so a logout or a consumed captcha is gone on
| the server, not only in a cookie that could be replayed.
*/
const sessionConfig = defineConfig({
  enabled: true,
  cookieName: 'pilehub-session',
  clearWithBrowser: true,
  age: '2h',
  cookie: {
    path: '/',
    httpOnly: true,
    secure: app.inProduction,
    sameSite: 'lax',
  },
  store: env.get('SESSION_DRIVER'),
  stores: {
    cookie: stores.cookie(),
    database: stores.database({ tableName: 'sessions' }),
  },
})

export default sessionConfig
