import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { Aedes, type AuthenticateError, type Client } from 'aedes'

/*
| The embedded broker (aedes on a plain TCP listener): the single-machine
| default. Piles connect without credentials, as the JUY modules ship; the
| gateway's own client signs in with a password made at start. Piles may
| only publish on JUY/D2S/<IMEI>/... and subscribe to one IMEI's
| JUY/S2D/... topics, so a pile cannot read other piles' traffic or send
| them commands. The broker also tells the adapter when a pile's MQTT
| connection drops, which an external broker does not.
*/

const DEVICE_PUBLISH = /^JUY\/D2S\/(\d{15})\/[^/#+]+\/DEV$/
const DEVICE_SUBSCRIBE = /^JUY\/S2D\/\d{15}\/(?:\+|[^/#+]+)\/SERVER$/
const GATEWAY_USERNAME = 'pilehub-gateway'
/** CONNACK return code 4: bad user name or password. */
const BAD_CREDENTIALS = 4

export interface EmbeddedBroker {
  /** `mqtt://host:port` as bound (port 0 in the config picks a free one). */
  url: string
  /** Where the gateway's own client connects: loopback when bound to every interface. */
  localUrl: string
  /** What the gateway's own client signs in with. */
  credentials: { username: string; password: string }
  close(): Promise<void>
}

export async function startEmbeddedBroker(options: {
  host: string
  port: number
  /** A pile's connection closed: the IMEIs it last published for. */
  onDeviceGone(imeis: string[]): void
}): Promise<EmbeddedBroker> {
  const password = randomBytes(24).toString('base64url')
  const gatewayClients = new WeakSet<Client>()
  /** Which IMEIs each connection spoke for, and which connection speaks for an IMEI now. */
  const imeisByClient = new Map<Client, Set<string>>()
  const clientByImei = new Map<string, Client>()

  const broker = await Aedes.createBroker({
    authenticate(client, username, given, done) {
      if (username !== GATEWAY_USERNAME) return done(null, true)
      const expected = Buffer.from(password)
      if (given && given.length === expected.length && timingSafeEqual(given, expected)) {
        gatewayClients.add(client)
        return done(null, true)
      }
      const error = new Error('bad gateway credentials') as AuthenticateError
      error.returnCode = BAD_CREDENTIALS
      done(error, false)
    },
    authorizePublish(client, packet, callback) {
      if (!client || gatewayClients.has(client)) return callback(null)
      const match = DEVICE_PUBLISH.exec(packet.topic)
      if (!match) return callback(new Error(`piles publish on JUY/D2S only: ${packet.topic}`))
      const imeis = imeisByClient.get(client) ?? new Set<string>()
      imeis.add(match[1])
      imeisByClient.set(client, imeis)
      clientByImei.set(match[1], client)
      callback(null)
    },
    authorizeSubscribe(client, subscription, callback) {
      const allowed = gatewayClients.has(client) || DEVICE_SUBSCRIBE.test(subscription.topic)
      callback(null, allowed ? subscription : null)
    },
  })

  broker.on('clientDisconnect', (client) => {
    const imeis = imeisByClient.get(client)
    imeisByClient.delete(client)
    if (!imeis) return
    // A pile that already reconnected on a new connection is not gone.
    const gone = [...imeis].filter((imei) => clientByImei.get(imei) === client)
    for (const imei of gone) clientByImei.delete(imei)
    if (gone.length) options.onDeviceGone(gone)
  })

  const server: Server = createServer(broker.handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const wildcard = address.address === '0.0.0.0' || address.address === '::'

  return {
    url: `mqtt://${host}:${address.port}`,
    localUrl: `mqtt://${wildcard ? '127.0.0.1' : host}:${address.port}`,
    credentials: { username: GATEWAY_USERNAME, password },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
