/*
| settle: end of a charge to its committed ledger deduction. BENCH_PILES
| piles (default 8) of 4 ports each charge at once, one rider with a bound
| card per port; in each of BENCH_ROUNDS rounds (default 10) every port
| starts by card swipe (untimed), then all end together through
| ChargingService.settleEnd (the call a vendor adapter's charge-ended event
| makes), each timed until its deduction committed: p50 and p99.
| Baseline: WalletService.deduct of the same amounts for the same riders at
| the same concurrency.
*/
import { bootBench, finish, latencies, percentile, report } from './lib.js'

const PILES = Number(process.env.BENCH_PILES ?? 8)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const PORTS = 4

const app = await bootBench({ appPoolMax: PILES * PORTS + 2 })
const { default: WalletService } = await import('#services/wallet/wallet_service')
const { chargingFixture, charging, endRecord, owner } =
  await import('#tests/functional/charging/helpers')
const { createRider, freshCardNo, stockCards } = await import('#tests/functional/cards/helpers')

const wallet = new WalletService()
type Fixture = Awaited<ReturnType<typeof chargingFixture>>
interface Slot {
  fixture: Fixture
  portNo: number
  riderId: number
  cardNo: string
}

/** Every port of every pile with its own rider, card and ¥1,000 of real money. */
async function slots() {
  const all: Slot[] = []
  for (let p = 0; p < PILES; p += 1) {
    const fixture = await chargingFixture({ balance: 100_000 })
    all.push({ fixture, portNo: 1, riderId: fixture.rider.id, cardNo: fixture.cardNo })
    for (let portNo = 2; portNo <= PORTS; portNo += 1) {
      const rider = await createRider(fixture.tenant.id)
      await wallet.topUpCash(fixture.asAdmin, {
        riderId: rider.id,
        projectId: fixture.project.id,
        realAmount: 100_000,
        idempotencyKey: `bench:${rider.id}`,
      })
      const cardNo = freshCardNo()
      await stockCards(fixture.tenant.id, fixture.project.id, [cardNo], {
        status: 'bound',
        riderId: rider.id,
      })
      all.push({ fixture, portNo, riderId: rider.id, cardNo })
    }
  }
  return all
}

async function start(slot: Slot, at: Date) {
  const decision = await charging.authorizeCard(slot.fixture.system, {
    pileId: slot.fixture.pile.id,
    portNo: slot.portNo,
    cardNo: slot.cardNo,
    at,
  })
  if (!decision.authorised) throw new Error(`swipe refused: ${decision.reason}`)
  await charging.confirmStart(slot.fixture.system, {
    pileId: slot.fixture.pile.id,
    portNo: slot.portNo,
    orderNo: decision.orderNo,
    at,
  })
  return decision.orderNo
}

const ports = await slots()
const settleTimes: number[] = []
const settled: { slot: Slot; orderNo: string }[] = []
for (let round = 0; round < ROUNDS; round += 1) {
  const at = new Date(Date.now() - 3_600_000)
  const orderNos = await Promise.all(ports.map((slot) => start(slot, at)))
  const times = await latencies(
    ports.length,
    ports.map((slot, i) => async () => {
      const result = await charging.settleEnd(
        slot.fixture.system,
        endRecord(slot.fixture, orderNos[i], { minutes: 60, watts: 150, portNo: slot.portNo })
      )
      if (!result.settled) throw new Error(`order ${orderNos[i]} did not settle`)
    })
  )
  settleTimes.push(...times)
  settled.push(...ports.map((slot, i) => ({ slot, orderNo: orderNos[i] })))
}
settleTimes.sort((a, b) => a - b)

const billed = await owner()
  .from('charging_orders')
  .whereIn(
    'order_no',
    settled.map((s) => s.orderNo)
  )
  .select('order_no', 'amount_fen')
const amounts = new Map<string, number>(billed.map((row) => [row.order_no, Number(row.amount_fen)]))
const deductTimes: number[] = []
for (let round = 0; round < ROUNDS; round += 1) {
  const batch = settled.slice(round * ports.length, (round + 1) * ports.length)
  deductTimes.push(
    ...(await latencies(
      batch.length,
      batch.map(
        ({ slot, orderNo }) =>
          () =>
            wallet.deduct(slot.fixture.system, {
              riderId: slot.riderId,
              projectId: slot.fixture.project.id,
              orderNo: `${orderNo}B`,
              sequence: 1,
              amount: amounts.get(orderNo)!,
            })
      )
    ))
  )
}
deductTimes.sort((a, b) => a - b)

const details = { orders: settleTimes.length, concurrent: ports.length, rounds: ROUNDS }
await report(
  'settle',
  [50, 99].map((p) => ({
    name: `settleEnd to committed deduction p${p}, ${ports.length} concurrent orders`,
    value: percentile(settleTimes, p),
    unit: 'ms',
    baseline: percentile(deductTimes, p),
    baselineUnit: 'ms (bare WalletService.deduct)',
    details,
  }))
)
await finish(app)
