import { createIgnitor } from '../../../bin/boot.js'

/*
| Seeds the PostgreSQL restart drill's own database from a child process
| (DATABASE_URL and DATABASE_OWNER_URL point at the drill's server): a tenant
| whose payments go through the sandbox gateway the drill runs (its config in
| DRILL_GATEWAY_CONFIG), one rider, and DRILL_PAYMENTS open QR payments.
| Prints the fixture as one JSON line after `drill-seed:`.
*/

const app = createIgnitor().createApp('console')
await app.init()
await app.boot()
await app.start(async () => {
  const { paymentFixture } = await import('#tests/functional/payments/helpers')
  const gatewayConfig = JSON.parse(process.env.DRILL_GATEWAY_CONFIG!)
  const fixture = await paymentFixture('payment-sandbox', {
    config: () => gatewayConfig,
  } as Parameters<typeof paymentFixture>[1])
  const orders = []
  for (let index = 0; index < Number(process.env.DRILL_PAYMENTS); index++) {
    const order = await fixture.open(500 + index)
    orders.push({ paymentNo: order.paymentNo, amount: order.amount })
  }
  console.log(
    `drill-seed:${JSON.stringify({
      tenantId: fixture.tenant.id,
      riderId: fixture.rider.id,
      settingId: fixture.settingId,
      orders,
    })}`
  )
})
await app.terminate()
