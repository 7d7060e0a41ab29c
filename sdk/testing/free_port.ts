import { createServer, type AddressInfo } from 'node:net'

/**
 * A loopback port nobody listens on now, for a server a test, a drill or a
 * local cluster starts next (ports the kernel hands out, so parallel runs
 * do not meet). Another process may still take it in between: start what
 * needs it at once.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
