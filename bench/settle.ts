/*
| settle: a pile's end-of-charge frame to the adapter's answer, which goes
| out only once the core's chargeEnded resolved, i.e. the deduction
| committed (vendor-dny acks 0x20, vendor-juy acks its end report and
| vendor-ocpp16 answers StopTransaction after it). A real `node ace gateway`
| child runs on the bench database with DB_POOL_MAX BENCH_GATEWAY_POOL
| (default 20), under load: BENCH_BACKGROUND_PILES (default 200; DNY, JUY
| and OCPP in thirds, 10 ports) keep sending power and status frames every
| second from a bench/ingest_load.ts child. BENCH_SETTLE_PILES (default 12)
| piles of each plugin with 2 ports (bench/settle_piles.ts), one rider with
| a bound card per port, run BENCH_ROUNDS rounds (default 5): every port
| starts by card swipe (untimed), then every port ends at once, each end
| timed from its frame to its answer: p50 and p99 per protocol. One sample
| per protocol and round checks the charge_settlement ledger row exists
| when the answer arrives; after the run every timed order's rows are
| counted. Baseline: WalletService.deduct of the same amounts for the same
| riders at the same concurrency after each round, in this process with the
| same pool size.
*/
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import {
  bootBench,
  finish,
  ownerUrl,
  percentile,
  report,
  startChild,
  stopChild,
  type Figure,
} from './lib.js'
import type { LoadPlan, Protocol } from './ingest_load.js'
import {
  DnyTimedPile,
  JuyTimedPile,
  OcppTimedPile,
  type TimedCharge,
  type TimedPile,
} from './settle_piles.js'

const TIMED_PILES = Number(process.env.BENCH_SETTLE_PILES ?? 12)
const BACKGROUND_PILES = Number(process.env.BENCH_BACKGROUND_PILES ?? 200)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const POOL = Number(process.env.BENCH_GATEWAY_POOL ?? 20)
/** DNY device types have 1, 2, 10, 12 or 16 ports. */
const PORTS = 2
const BACKGROUND_PORTS = 10
/** Every timed charge: an hour at 150 W, 150 Wh (1 元 on the HOURLY tariff). */
const CHARGE = { durationSeconds: 3600, wattHours: 150, maxWatts: 150 }
const BACKGROUND_PREFIX = 'settle-bench-bg-'
const LISTEN = {
  dny: Number(process.env.DNY_TCP_PORT ?? 34611),
  juy: Number(process.env.JUY_MQTT_PORT ?? 34612),
  ocpp: Number(process.env.OCPP_WS_PORT ?? 34613),
}
const TARGETS = {
  dny: `tcp://127.0.0.1:${LISTEN.dny}`,
  juy: `mqtt://127.0.0.1:${LISTEN.juy}`,
  ocpp: `ws://127.0.0.1:${LISTEN.ocpp}/ocpp`,
}
const PLUGIN_OF: Record<Protocol, string> = {
  dny: 'vendor-dny',
  juy: 'vendor-juy',
  ocpp: 'vendor-ocpp16',
}

const app = await bootBench({ appPoolMax: POOL })
const { default: WalletService } = await import('#core/wallet/wallet_service')
const { default: TenantContext } = await import('#core/tenancy/tenant_context')
const { deviceRegistry } = await import('#tests/functional/devices/helpers')
const { PERMISSIONS } = await import('#core/access/permissions')
const { createTenantWithStaff } = await import('#tests/helpers/tenants')
const { HOURLY } = await import('#tests/functional/charging/helpers')
const { createRider, freshCardNo, stockCards } = await import('#tests/functional/cards/helpers')
const { deviceTypeForPorts } = await import('../plugins/vendor-dny/mapping.js')
const { joinPhysicalId } = await import('../plugins/vendor-dny/protocol/physical_id.js')

const pool = new pg.Pool({ connectionString: ownerUrl(), max: 4 })
const wallet = new WalletService()

function dnyKey(ports: number, deviceNumber: number) {
  const id = joinPhysicalId({ deviceType: deviceTypeForPorts(ports), deviceNumber })
  return id.toString(16).toUpperCase().padStart(8, '0')
}

/** The background piles' keys, the same on every run (an earlier run's piles are deleted first). */
const third = Math.ceil(BACKGROUND_PILES / 3)
const backgroundKeys: Record<Protocol, string[]> = {
  dny: Array.from({ length: third }, (_, i) => dnyKey(BACKGROUND_PORTS, 800_000 + i)),
  juy: Array.from({ length: third }, (_, i) => `8698${String(i).padStart(11, '0')}`),
  ocpp: Array.from(
    { length: BACKGROUND_PILES - 2 * third },
    (_, i) => `SETTLEBG-${String(i).padStart(5, '0')}`
  ),
}

/*
| One tenant: the HOURLY tariff, a vendor per plugin, the timed piles (keys
| new on each run: device keys are unique platform-wide and earlier runs'
| piles keep their orders), a rider with ¥1,000 and a card per timed port,
| and the background piles inserted set-based.
*/
const base = await createTenantWithStaff({ roles: ['super_admin'] })
const tenantId = base.tenant.id
const projectId = base.project.id
const asAdmin = new TenantContext(tenantId, base.staff.id, null, new Set(PERMISSIONS), {
  actor: { staffId: base.staff.id, account: base.staff.account, name: base.staff.name },
  request: null,
})
const system = TenantContext.forJob(tenantId)
await pool.query(
  `INSERT INTO tariffs (tenant_id, project_id, version, rules, created_at) VALUES ($1, $2, 1, $3, now())`,
  [tenantId, projectId, JSON.stringify(HOURLY)]
)
const registry = deviceRegistry(asAdmin)
const station = await registry.stations.create({ projectId, name: '压测站', status: 'active' })
const vendors: Record<Protocol, number> = { dny: 0, juy: 0, ocpp: 0 }
for (const protocol of Object.keys(PLUGIN_OF) as Protocol[]) {
  const vendor = await registry.vendors.create({
    name: `settle ${protocol}`,
    pluginId: PLUGIN_OF[protocol],
  })
  vendors[protocol] = vendor.id
}

interface Slot {
  protocol: Protocol
  pile: TimedPile
  pileId: number
  portNo: number
  riderId: number
  cardNo: string
}
const run = Math.floor(Date.now() / 1000)
const slots: Slot[] = []
for (const protocol of Object.keys(PLUGIN_OF) as Protocol[]) {
  for (let i = 0; i < TIMED_PILES; i += 1) {
    const deviceKey = {
      dny: () => dnyKey(PORTS, 10_000_000 + (run % 60_000) * 100 + i),
      juy: () => `8697${String(run % 10_000_000).padStart(7, '0')}${String(i).padStart(4, '0')}`,
      ocpp: () => `SETTLE-${run}-${i}`,
    }[protocol]()
    const record = await registry.piles.create({
      stationId: station.id,
      vendorId: vendors[protocol],
      deviceKey,
      name: `settle ${protocol} ${i}`,
      portCount: PORTS,
    })
    // The bench times settlement, not identity: its raw clients present no credentials.
    await pool.query(`UPDATE piles SET allow_unauthenticated = true WHERE id = $1`, [record.id])
    const pile = {
      dny: () => new DnyTimedPile(deviceKey, TARGETS.dny, PORTS),
      juy: () => new JuyTimedPile(deviceKey, TARGETS.juy, PORTS),
      ocpp: () => new OcppTimedPile(deviceKey, TARGETS.ocpp, CHARGE.durationSeconds),
    }[protocol]()
    for (let portNo = 1; portNo <= PORTS; portNo += 1) {
      const rider = await createRider(tenantId)
      await wallet.topUpCash(asAdmin, {
        riderId: rider.id,
        projectId,
        realAmount: 100_000,
        idempotencyKey: `bench:${rider.id}`,
      })
      const cardNo = freshCardNo()
      await stockCards(tenantId, projectId, [cardNo], { status: 'bound', riderId: rider.id })
      slots.push({ protocol, pile, pileId: record.id, portNo, riderId: rider.id, cardNo })
    }
  }
}

await pool.query(`DELETE FROM piles WHERE name LIKE $1`, [`${BACKGROUND_PREFIX}%`])
for (const protocol of Object.keys(PLUGIN_OF) as Protocol[]) {
  await pool.query(
    `INSERT INTO piles (tenant_id, project_id, station_id, vendor_id, plugin_id, device_key,
                        name, port_count, allow_unauthenticated, created_at, updated_at)
     SELECT $1, $2, $3, $4, $5::text, key, $6::text || $5::text || '-' || ordinality, $7, true,
            now(), now()
     FROM unnest($8::text[]) WITH ORDINALITY AS keys(key, ordinality)`,
    [
      tenantId,
      projectId,
      station.id,
      vendors[protocol],
      PLUGIN_OF[protocol],
      BACKGROUND_PREFIX,
      BACKGROUND_PORTS,
      backgroundKeys[protocol],
    ]
  )
}
await pool.query(
  `INSERT INTO pile_ports (tenant_id, pile_id, port_no, updated_at)
   SELECT piles.tenant_id, piles.id, port_no, now()
   FROM piles CROSS JOIN generate_series(1, piles.port_count) AS port_no
   WHERE piles.name LIKE $1`,
  [`${BACKGROUND_PREFIX}%`]
)

// The embedded broker, whatever the environment says about an outside one.
const environment = { ...process.env }
delete environment.JUY_MQTT_URL
const gateway = await startChild(
  ['ace.js', 'gateway'],
  {
    ...environment,
    // As for migrations in lib.ts: the bench database as given, not the default one.
    PILEHUB_EMBEDDED_DATABASE: '',
    LOG_LEVEL: 'warn',
    DB_POOL_MAX: String(POOL),
    DB_OWNER_POOL_MAX: String(Math.ceil(POOL / 2)),
    GATEWAY_PLUGINS: Object.values(PLUGIN_OF).join(','),
    DNY_TCP_HOST: '127.0.0.1',
    DNY_TCP_PORT: String(LISTEN.dny),
    JUY_MQTT_HOST: '127.0.0.1',
    JUY_MQTT_PORT: String(LISTEN.juy),
    OCPP_WS_HOST: '127.0.0.1',
    OCPP_WS_PORT: String(LISTEN.ocpp),
  },
  'gateway ready'
)

interface Timed {
  slot: Slot
  ms: number
  orderNo: string
  /** Whether its charge_settlement row had committed when the answer came; null when not sampled. */
  rowAtAnswer: boolean | null
}

/** The order of a started charge (OCPP piles know only their transaction id). */
async function orderOf(slot: Slot, charge: TimedCharge) {
  if (charge.orderNo) return charge.orderNo
  const { rows } = await pool.query(
    `SELECT order_no FROM charging_orders WHERE pile_id = $1 AND transaction_ref = $2`,
    [slot.pileId, charge.transactionRef]
  )
  if (!rows[0]) throw new Error(`no order for transaction ${charge.transactionRef}`)
  return rows[0].order_no as string
}

async function settlementRows(orderNos: string[]) {
  const { rows } = await pool.query(
    `SELECT entry_no, count(*)::int AS rows FROM ledger_entries
     WHERE tenant_id = $1 AND detail_type = 'charge_settlement' AND entry_no = ANY($2)
     GROUP BY entry_no`,
    [tenantId, orderNos]
  )
  return new Map<string, number>(rows.map((row) => [row.entry_no, row.rows]))
}

const background: LoadPlan = {
  mode: 'gateway',
  targets: TARGETS,
  keys: backgroundKeys,
  ports: BACKGROUND_PORTS,
  intervalMs: 1_000,
  warmupSeconds: 5,
  // Stopped once the timed part is done.
  seconds: 3_600,
  loginConcurrency: 50,
}
const timed: Timed[] = []
const deductTimes: number[] = []
let load
let backgroundOnline = 0
try {
  load = await startChild(
    ['--import=@poppinss/ts-exec', 'bench/ingest_load.ts'],
    { ...process.env, INGEST_LOAD: JSON.stringify(background) },
    'MEASURING'
  )
  const piles = [...new Set(slots.map((slot) => slot.pile))]
  await Promise.all(piles.map((pile) => pile.login()))

  for (let round = 0; round < ROUNDS; round += 1) {
    const charges = await Promise.all(
      slots.map((slot) => slot.pile.start(slot.portNo, slot.cardNo))
    )
    const orderNos = await Promise.all(slots.map((slot, i) => orderOf(slot, charges[i])))
    const sampled = new Set(
      Object.keys(PLUGIN_OF).map((protocol) => slots.findIndex((s) => s.protocol === protocol))
    )
    const ended = await Promise.all(
      slots.map(async (slot, i): Promise<Timed> => {
        const started = performance.now()
        await charges[i].end(CHARGE)
        const ms = performance.now() - started
        const rows = sampled.has(i) ? await settlementRows([orderNos[i]]) : null
        const rowAtAnswer = rows ? rows.get(orderNos[i]) === 1 : null
        return { slot, ms, orderNo: orderNos[i], rowAtAnswer }
      })
    )
    timed.push(...ended)

    // The baseline right after each round, so both see the same background load and neighbours.
    const { rows } = await pool.query(
      `SELECT order_no, amount_fen FROM charging_orders WHERE order_no = ANY($1)`,
      [orderNos]
    )
    const amounts = new Map<string, number>(
      rows.map((row) => [row.order_no, Number(row.amount_fen)])
    )
    deductTimes.push(
      ...(await Promise.all(
        ended.map(async ({ slot, orderNo }) => {
          const started = performance.now()
          await wallet.deduct(system, {
            riderId: slot.riderId,
            projectId,
            orderNo: `${orderNo}B`,
            sequence: 1,
            amount: amounts.get(orderNo) ?? 0,
          })
          return performance.now() - started
        })
      ))
    )
  }
  const online = await pool.query(
    `SELECT count(*)::int AS count FROM piles WHERE name LIKE $1 AND online`,
    [`${BACKGROUND_PREFIX}%`]
  )
  backgroundOnline = online.rows[0].count
} finally {
  for (const slot of slots) slot.pile.close()
  if (load) await stopChild(load.child)
  await stopChild(gateway.child)
}
deductTimes.sort((a, b) => a - b)

const counts = await settlementRows(timed.map((entry) => entry.orderNo))
const once = timed.filter((entry) => counts.get(entry.orderNo) === 1).length
const samples = timed.filter((entry) => entry.rowAtAnswer !== null)
const present = samples.filter((entry) => entry.rowAtAnswer).length
console.log(
  `settle: ${once} of ${timed.length} timed orders have exactly one charge_settlement row; ` +
    `sampled at the answer: ${present} of ${samples.length} rows already committed; ` +
    `${backgroundOnline} of ${BACKGROUND_PILES} background piles online at the end`
)
await pool.end()

const details = {
  orders: timed.length,
  concurrent: slots.length,
  rounds: ROUNDS,
  backgroundPiles: BACKGROUND_PILES,
  backgroundOnline,
  gatewayPool: POOL,
  settledOnce: once,
  rowAtAnswer: `${present}/${samples.length}`,
}
const figures: Figure[] = []
for (const protocol of Object.keys(PLUGIN_OF) as Protocol[]) {
  const times = timed
    .filter((entry) => entry.slot.protocol === protocol)
    .map((entry) => entry.ms)
    .sort((a, b) => a - b)
  for (const p of [50, 99]) {
    figures.push({
      name: `${PLUGIN_OF[protocol]} end frame to answer after committed deduction p${p}, ${slots.length} concurrent ends, ${BACKGROUND_PILES} piles of background ingest`,
      value: percentile(times, p),
      unit: 'ms',
      baseline: percentile(deductTimes, p),
      baselineUnit: 'ms (bare WalletService.deduct)',
      details,
    })
  }
}
await report('settle', figures)
await finish(app)
