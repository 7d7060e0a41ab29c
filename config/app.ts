import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { Secret } from '@adonisjs/core/helpers'
import { defineConfig } from '@adonisjs/core/http'

export const appKey = new Secret(env.get('APP_KEY').release())

/**
 * Where PileHub is reached from outside (payment notify URLs, QR pages):
 * APP_URL when set, else this server's own address.
 */
export const publicUrl = (
  env.get('APP_URL') ??
  `http://${['0.0.0.0', '::'].includes(env.get('HOST')) ? 'localhost' : env.get('HOST')}:${env.get('PORT')}`
).replace(/\/+$/, '')

export const http = defineConfig({
  generateRequestId: true,
  allowMethodSpoofing: false,
  useAsyncLocalStorage: true,
  cookie: {
    domain: '',
    path: '/',
    maxAge: '2h',
    httpOnly: true,
    secure: app.inProduction,
    sameSite: 'lax',
  },
})
