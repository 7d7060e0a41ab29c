import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import PayPerCharge, { PayPerChargeRefusal } from '#services/orders/pay_per_charge'
import RiderSignIn from '#services/h5/rider_sign_in'
import RiderTopup, { OPEN_PER_HOUR } from '#services/h5/rider_topup'
import H5TopupRefusal from '#services/h5/h5_topup_refusal'
import type { H5Rider } from '#services/h5/h5_types'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'
import { enablePaymentPlugin } from '#tests/functional/payments/helpers'
import { startSandboxGateway } from '../../../plugins/payment-sandbox/tests/sandbox_harness.js'

/*
| The caps on a rider's unpaid payments hold when the rider's requests
| arrive at once (two phones, a double tap, a retrying client): each cap is
| checked in the transaction that inserts the order, behind a lock on the
| rider's row. Real PostgreSQL, real concurrency (Promise.all).
*/

const CONCURRENT = 8
const BROWSER = { payerIp: '203.0.113.9', returnUrl: 'http://127.0.0.1:9/back' }

type Gateway = Awaited<ReturnType<typeof startSandboxGateway>>

async function payingRider(gateway: Gateway) {
  const fixture = await chargingFixture({ balance: 0 })
  await enablePaymentPlugin(fixture.tenant.id, 'payment-sandbox', gateway.config())
  const rider: H5Rider = {
    tenantId: fixture.tenant.id,
    riderId: fixture.rider.id,
    projectId: fixture.project.id,
  }
  const tenant = (await new RiderSignIn().contextFor(rider, null))!
  return { fixture, rider, tenant }
}

function ordersOf(riderId: number) {
  return owner().from('payment_orders').where('rider_id', riderId).orderBy('id')
}

/** Which of the settled promises were refused with `refusal`; anything else unexpected fails. */
function refusedWith(
  results: PromiseSettledResult<unknown>[],
  refusal: new (...args: any[]) => Error
) {
  return results.filter((result) => {
    if (result.status === 'fulfilled') return false
    if (result.reason instanceof refusal) return true
    throw result.reason
  }).length
}

test.group('Caps on open payments, under concurrent requests', (group) => {
  let gateway: Gateway

  group.setup(async () => {
    gateway = await startSandboxGateway()
    return () => gateway.close()
  })

  test(`${CONCURRENT} top-ups opened at once: exactly ${OPEN_PER_HOUR} orders, the rest refused`, async ({
    assert,
  }) => {
    const { rider, tenant } = await payingRider(gateway)
    const topups = new RiderTopup()
    const results = await Promise.allSettled(
      Array.from({ length: CONCURRENT }, () =>
        topups.open(tenant, rider, null, { amountYuan: 10, attempt: randomUUID() }, BROWSER)
      )
    )
    assert.equal(refusedWith(results, H5TopupRefusal), CONCURRENT - OPEN_PER_HOUR)
    assert.lengthOf(await ordersOf(rider.riderId), OPEN_PER_HOUR)
  }).timeout(60_000)

  test('one attempt sent at once from a double tap opens one order, the same for every answer', async ({
    assert,
  }) => {
    const { rider, tenant } = await payingRider(gateway)
    const attempt = randomUUID()
    const topups = new RiderTopup()
    const opened = await Promise.all(
      Array.from({ length: 4 }, () =>
        topups.open(tenant, rider, null, { amountYuan: 10, attempt }, BROWSER)
      )
    )
    assert.lengthOf(new Set(opened.map((answer) => answer.paymentNo)), 1)
    assert.lengthOf(await ordersOf(rider.riderId), 1)
  }).timeout(60_000)

  test(`扫码即充 opened ${CONCURRENT} times at once on one port: one payment, the rest refused`, async ({
    assert,
  }) => {
    const { fixture, rider, tenant } = await payingRider(gateway)
    const payPerCharge = new PayPerCharge()
    const results = await Promise.allSettled(
      Array.from({ length: CONCURRENT }, () =>
        payPerCharge.open(tenant, {
          riderId: rider.riderId,
          pileId: fixture.pile.id,
          portNo: 1,
          choice: { kind: 'full', fen: 500 },
          restTo: 'original',
          idempotencyKey: randomUUID(),
          description: () => '扫码即充',
          payment: { mode: 'h5', ...BROWSER },
        })
      )
    )
    assert.equal(refusedWith(results, PayPerChargeRefusal), CONCURRENT - 1)
    const orders = await ordersOf(rider.riderId)
    assert.lengthOf(orders, 1)
    assert.deepInclude(orders[0], { purpose: 'charge', amount: 500, status: 'pending' })
  }).timeout(60_000)
})
