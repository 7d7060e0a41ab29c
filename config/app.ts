import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { Secret } from '@adonisjs/core/helpers'
import { defineConfig } from '@adonisjs/core/http'
import { BlockList, isIPv4 } from 'node:net'

export const appKey = new Secret(env.get('APP_KEY').release())

/**
 * Where PileHub is reached from outside (payment notify URLs, QR pages):
 * APP_URL when set, else this server's own address.
 */
export const publicUrl = (
  env.get('APP_URL') ??
  `http://${['0.0.0.0', '::'].includes(env.get('HOST')) ? 'localhost' : env.get('HOST')}:${env.get('PORT')}`
).replace(/\/+$/, '')

/**
 * Whose X-Forwarded-For and X-Forwarded-Proto are believed, for the client's
 * IP (login limits, audit) and for HTTPS (Secure cookies): TRUSTED_PROXIES,
 * comma-separated addresses, CIDR ranges or `loopback`; by default only a
 * proxy on this host.
 */
export function trustedProxies(list: string) {
  const trusted = new BlockList()
  for (const entry of list.split(',').map((item) => item.trim())) {
    if (entry === '') continue
    if (entry === 'loopback') {
      trusted.addSubnet('127.0.0.0', 8, 'ipv4')
      trusted.addAddress('::1', 'ipv6')
      continue
    }
    const [address, bits] = entry.split('/')
    const type = isIPv4(address) ? 'ipv4' : 'ipv6'
    if (bits === undefined) trusted.addAddress(address, type)
    else trusted.addSubnet(address, Number(bits), type)
  }
  return (address: string | undefined) => {
    // A socket already closed has no peer address: nothing to trust.
    if (!address) return false
    // An IPv4 peer on a dual-stack socket reads as ::ffff:a.b.c.d.
    const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')
    return trusted.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6')
  }
}

export const http = defineConfig({
  generateRequestId: true,
  trustProxy: trustedProxies(env.get('TRUSTED_PROXIES') ?? 'loopback'),
  allowMethodSpoofing: false,
  useAsyncLocalStorage: true,
  cookie: {
    domain: '',
    path: '/',
    maxAge: '2h',
    httpOnly: true,
    // Always in production; elsewhere per request (SecureCookiesMiddleware).
    secure: app.inProduction,
    sameSite: 'lax',
  },
})
