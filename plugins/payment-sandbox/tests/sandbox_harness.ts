import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sandboxGateway } from '../gateway.js'
import type { PaymentGatewayHarness } from '#sdk/testing/payment_contract'

/**
 * The sandbox gateway on a port of its own, for tests that run without
 * the web server (the unit suite): the same handler PileHub mounts at
 * /plugins/payment-sandbox.
 */
export async function startSandboxGateway(
  overrides: Record<string, unknown> = {}
): Promise<PaymentGatewayHarness & { url: string }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', async () => {
      const url = new URL(request.url ?? '/', 'http://localhost')
      const reply = await sandboxGateway.handle({
        method: request.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: request.headers as Record<string, string | undefined>,
        rawBody: Buffer.concat(chunks).toString(),
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      })
      response.writeHead(reply.status, reply.headers).end(reply.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const merchantId = `sbx-${process.pid}-${Date.now() % 100000}`
  return {
    url,
    config: () => ({
      merchantId,
      signingKey: 'sandbox-signing-key-for-tests',
      gatewayUrl: url,
      ...overrides,
    }),
    pay: (outTradeNo, options) => sandboxGateway.pay(merchantId, outTradeNo, options),
    settleRefund: (outRefundNo, options) => sandboxGateway.settleRefund(outRefundNo, options),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
