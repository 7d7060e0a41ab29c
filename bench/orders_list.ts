/*
| 订单管理 at 1,000,000 charging orders: how fast the list pages are.
|
|   npm run bench:orders
|
| Uses its own database (BENCH_DATABASE_NAME, default pilehub_bench; the
| embedded server on EMBEDDED_PG_PORT, or DATABASE_URL/DATABASE_OWNER_URL).
| The first run migrates it and generates one tenant's orders with
| INSERT ... SELECT generate_series as the owner (about a year of orders
| from 20,000 riders on 400 piles); later runs reuse them
| (BENCH_REGENERATE=1 to start over).
|
| Each case runs the page as staff do, through OrderRecords.page on the app
| role under row-level security (its transaction and set_config included):
| one warm-up, then BENCH_RUNS timed runs (median and worst), plus EXPLAIN
| ANALYZE of the page's query and the index its plan starts from. Prints
| figures only.
*/
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { ensureDatabase } from '../bin/database.js'
import { createIgnitor } from '../bin/boot.js'
import { finish } from './lib.js'

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 10)
const RIDERS = 20_000
const PILES = 400
const TENANT = 'bench'

await ensureDatabase(process.env.BENCH_DATABASE_NAME ?? 'pilehub_bench')
const root = fileURLToPath(new URL('../', import.meta.url))
execFileSync(process.execPath, ['ace.js', 'migration:run', '--connection=owner'], {
  cwd: root,
  // Without the embedded marker, ace takes DATABASE_URL as given rather than its default database.
  env: { ...process.env, PILEHUB_EMBEDDED_DATABASE: '' },
  stdio: ['ignore', 'ignore', 'inherit'],
})

const app = createIgnitor().createApp('console')
await app.init()
await app.boot()
const { default: db } = await import('@adonisjs/lucid/services/db')
const { default: TenantContext } = await import('#core/tenancy/tenant_context')
const { default: OrderRecords } = await import('#services/orders/order_records')
type Filters = import('#services/orders/order_records').OrderFilters

const owner = db.connection('owner')

/** The bench tenant, its projects, vendors, stations, piles and riders; the orders last. */
async function generate() {
  let tenant = await owner.from('tenants').where('code', TENANT).first()
  const [{ n: present }] = await owner
    .from('charging_orders')
    .where('tenant_id', tenant?.id ?? 0)
    .count('* as n')
  if (Number(present) >= ORDERS && !process.env.BENCH_REGENERATE) return Number(tenant.id)
  if (tenant) {
    for (const table of ['charging_orders', 'riders', 'piles', 'stations', 'vendors', 'projects']) {
      await owner.from(table).where('tenant_id', tenant.id).delete()
    }
  } else {
    ;[tenant] = await owner
      .table('tenants')
      .insert({
        code: TENANT,
        name: '压测运营商',
        status: 'active',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('*')
  }
  const tenantId = Number(tenant.id)
  const started = performance.now()
  await owner.rawQuery(
    `INSERT INTO projects (tenant_id, code, name, status, created_at, updated_at)
     SELECT ?, 'p' || n, '压测项目' || n, 'active', now(), now() FROM generate_series(1, 4) n`,
    [tenantId]
  )
  await owner.rawQuery(
    `INSERT INTO vendors (tenant_id, name, plugin_id, created_at, updated_at)
     VALUES (?, '科爵', 'vendor-dny', now(), now()), (?, '兴科', 'vendor-juy', now(), now())`,
    [tenantId, tenantId]
  )
  await owner.rawQuery(
    `INSERT INTO stations (tenant_id, project_id, name, created_at, updated_at)
     SELECT tenant_id, id, name || '充电站', now(), now() FROM projects WHERE tenant_id = ?`,
    [tenantId]
  )
  // Pile n: project n % 4, vendor n % 2.
  await owner.rawQuery(
    `INSERT INTO piles (tenant_id, project_id, station_id, vendor_id, plugin_id, device_key,
                        name, port_count, created_at, updated_at)
     SELECT ?, s.project_id, s.id, v.id, v.plugin_id, 'BENCH' || lpad(n::text, 6, '0'),
            '压测桩' || n, 10, now(), now()
       FROM generate_series(0, ? - 1) n
       JOIN (SELECT id, project_id, row_number() OVER (ORDER BY id) - 1 AS k
               FROM stations WHERE tenant_id = ?) s ON s.k = n % 4
       JOIN (SELECT id, plugin_id, row_number() OVER (ORDER BY id) - 1 AS k
               FROM vendors WHERE tenant_id = ?) v ON v.k = n % 2`,
    [tenantId, PILES, tenantId, tenantId]
  )
  await owner.rawQuery(
    `INSERT INTO riders (tenant_id, name, phone, status, source, registered_at, created_at, updated_at)
     SELECT ?, '骑手' || n, '1390' || lpad(n::text, 7, '0'), 'normal',
            CASE WHEN n % 3 = 0 THEN 'online' ELSE 'offline' END, now(), now(), now()
       FROM generate_series(1, ?) n`,
    [tenantId, RIDERS]
  )
  await owner.rawQuery('ANALYZE projects, piles, riders')
  const setupMs = performance.now() - started

  // Order n was made (ORDERS - n) × 31.5 s ago: a year, ids rising with time.
  // Mix: 70 % card, 20 % app, 8 % BLE, 2 % staff; 93 % settled, 3 % cancelled,
  // 2 % abnormal, 1 % refunded, 1 % still charging (the newest).
  const batch = 100_000
  for (let first = 1; first <= ORDERS; first += batch) {
    const last = Math.min(ORDERS, first + batch - 1)
    // Numbers only are spliced in: they are this script's own.
    await owner.rawQuery(
      `WITH pile AS (
         SELECT id, project_id, station_id, vendor_id, device_key,
                row_number() OVER (ORDER BY id) - 1 AS k
           FROM piles WHERE tenant_id = ${tenantId}),
       rider AS (
         SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM riders WHERE tenant_id = ${tenantId}),
       vendor AS (SELECT id, name FROM vendors WHERE tenant_id = ${tenantId}),
       g AS (
         SELECT n, (n * 2654435761::bigint) % 1000 AS roll, (n * 40503::bigint) % 100 AS mix,
                now() - (${ORDERS} - n) * interval '31.5 seconds' AS at,
                600 + (n * 7919::bigint) % 28800 AS seconds
           FROM generate_series(${first}, ${last}) n)
       INSERT INTO charging_orders (
         tenant_id, order_no, project_id, station_id, pile_id, port_no, vendor_id, vendor_name,
         device_key, rider_id, card_no, channel, duration_type, cap_fen, tariff, status,
         abnormal_reason, abnormal_at, cancel_reason, started_at, ended_at, max_duration_seconds,
         duration_seconds, minutes, max_power_deciwatts, energy_wh, amount_fen, rate_fen_per_hour,
         stop_reason, settled_at, created_at, updated_at)
       SELECT ${tenantId}, 'BN' || lpad(g.n::text, 14, '0'), p.project_id, p.station_id, p.id,
              1 + g.n % 10, p.vendor_id, v.name, p.device_key,
              CASE WHEN c.channel = 'ble' AND g.mix % 2 = 0 THEN NULL ELSE r.id END,
              CASE WHEN c.channel = 'card' THEN 'C' || lpad(to_hex(r.k), 7, '0') END,
              c.channel, 'full', 500, '{"mode":"time"}'::jsonb, s.status,
              CASE WHEN s.status = 'abnormal' THEN 'no_end' END,
              CASE WHEN s.status = 'abnormal' THEN g.at + interval '1 day' END,
              CASE WHEN s.status = 'cancelled' THEN 'insufficient_balance' END,
              CASE WHEN s.status <> 'cancelled' THEN g.at + interval '15 seconds' END,
              CASE WHEN s.status IN ('settled', 'refunded')
                   THEN g.at + g.seconds * interval '1 second' END,
              43200, g.seconds, ceil(g.seconds / 60.0), 1500 + g.n % 3000,
              g.seconds * (1500 + g.n % 3000) / 36000, least(500, g.seconds / 108), 100,
              CASE WHEN s.status IN ('settled', 'refunded') THEN 'full' END,
              CASE WHEN s.status IN ('settled', 'refunded')
                   THEN g.at + g.seconds * interval '1 second' END,
              g.at, g.at
         FROM g
         JOIN pile p ON p.k = (g.n * 48271::bigint) % ${PILES}
         JOIN rider r ON r.k = (g.n * 69621::bigint) % ${RIDERS}
         JOIN vendor v ON v.id = p.vendor_id
         CROSS JOIN LATERAL (SELECT CASE WHEN g.mix < 70 THEN 'card' WHEN g.mix < 90 THEN 'app'
                                         WHEN g.mix < 98 THEN 'ble' ELSE 'staff' END AS channel) c
         CROSS JOIN LATERAL (SELECT CASE WHEN g.n > ${ORDERS} - 300 THEN 'charging'
                                         WHEN g.roll < 30 THEN 'cancelled'
                                         WHEN g.roll < 50 THEN 'abnormal'
                                         WHEN g.roll < 60 THEN 'refunded'
                                         ELSE 'settled' END AS status) s`
    )
    process.stdout.write(`\rgenerated ${last.toLocaleString('en')} orders`)
  }
  await owner.rawQuery('ANALYZE charging_orders')
  const totalS = (performance.now() - started) / 1000
  console.log(
    `\ngeneration: ${totalS.toFixed(1)} s (${(setupMs / 1000).toFixed(1)} s riders and piles)`
  )
  return tenantId
}

const tenantId = await generate()
const [{ n: count }] = await owner
  .from('charging_orders')
  .where('tenant_id', tenantId)
  .count('* as n')
const half = Math.floor(Number(count) / 2)
const [middle] = await owner
  .from('charging_orders')
  .where('tenant_id', tenantId)
  .orderBy([
    { column: 'created_at', order: 'desc' },
    { column: 'id', order: 'desc' },
  ])
  .offset(half)
  .limit(1)
  .select('id', 'created_at')
const busyRider = await owner
  .from('charging_orders')
  .where('tenant_id', tenantId)
  .whereNotNull('rider_id')
  .orderBy('id', 'desc')
  .select('rider_id')
  .first()
const rider = await owner.from('riders').where('id', busyRider.rider_id).first()
const projects = await owner.from('projects').where('tenant_id', tenantId).orderBy('id')
const anOrder = await owner
  .from('charging_orders')
  .where('tenant_id', tenantId)
  .orderBy('id')
  .offset(123_456 % Number(count))
  .select('order_no')
  .first()
const day = (daysAgo: number) =>
  new Date(Date.now() - daysAgo * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10)

const everything = TenantContext.forJob(tenantId)
const limited = new TenantContext(tenantId, null, [Number(projects[1].id)])
const cases: { name: string; filters: Filters; tenant?: typeof everything; abnormal?: boolean }[] =
  [
    { name: 'first page', filters: {} },
    {
      name: `deep keyset page (order ${half.toLocaleString('en')})`,
      filters: { before: Number(middle.id) },
    },
    { name: 'order number', filters: { orderNo: anOrder.order_no } },
    { name: 'phone (whole number)', filters: { phone: rider.phone } },
    { name: 'phone (prefix 1390001: 10,000 riders)', filters: { phone: '1390001' } },
    { name: 'phone (prefix 139000123: 100 riders)', filters: { phone: '139000123' } },
    { name: 'channel = staff (2 %)', filters: { channel: 'staff' } },
    { name: 'channel = ble, deep page', filters: { channel: 'ble', before: Number(middle.id) } },
    { name: 'status = abnormal (2 %)', filters: { status: 'abnormal' } },
    { name: 'status = charging (300 orders)', filters: { status: 'charging' } },
    { name: '异常订单 page', filters: {}, abnormal: true },
    {
      name: 'status = charging + channel = staff',
      filters: { status: 'charging', channel: 'staff' },
    },
    { name: 'one day, 180 days ago', filters: { from: day(180), to: day(180) } },
    {
      name: 'a week + status refunded',
      filters: { from: day(97), to: day(90), status: 'refunded' },
    },
    { name: 'project-limited staff, first page', filters: {}, tenant: limited },
    {
      name: 'project-limited staff, channel = app',
      filters: { channel: 'app' },
      tenant: limited,
    },
  ]

// The page's own SQL, caught as knex sends it, for EXPLAIN ANALYZE.
let lastPageSql: { sql: string; bindings: readonly unknown[] } | null = null
db.connection('app')
  .getWriteClient()
  .on('query', (query: { sql: string; bindings?: readonly unknown[] }) => {
    if (query.sql.includes('from (select "o".*')) {
      lastPageSql = { sql: query.sql, bindings: query.bindings ?? [] }
    }
  })

async function explain(tenant: InstanceType<typeof TenantContext>) {
  const page = lastPageSql!
  return tenant.run(async (trx) => {
    // knex logs pg's $n placeholders; rawQuery takes ? in the same order.
    const bindings: any[] = []
    const sql = page.sql.replace(/\$(\d+)/g, (_, n: string) => {
      bindings.push(page.bindings[Number(n) - 1])
      return '?'
    })
    const result = await trx.rawQuery(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, bindings)
    const [plan] = result.rows[0]['QUERY PLAN']
    const indexes = new Set<string>()
    const walk = (node: Record<string, any>) => {
      if (node['Index Name']) indexes.add(node['Index Name'])
      for (const child of node.Plans ?? []) walk(child)
    }
    walk(plan.Plan)
    return {
      ms: plan['Execution Time'] as number,
      indexes: [...indexes].map((name) => name.replace('charging_orders_', 'co_')).join(', '),
    }
  })
}

const rows: Record<string, string | number>[] = []
for (const testCase of cases) {
  const tenant = testCase.tenant ?? everything
  const records = new OrderRecords(tenant)
  const only = { abnormal: testCase.abnormal ?? false }
  const warm = await records.page(testCase.filters, only)
  const times: number[] = []
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now()
    await records.page(testCase.filters, only)
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  const plan = await explain(tenant)
  rows.push({
    'case': testCase.name,
    'rows': warm.rows.length,
    'median ms': Number(times[Math.floor(times.length / 2)].toFixed(1)),
    'worst ms': Number(times[times.length - 1].toFixed(1)),
    'explain ms': Number(plan.ms.toFixed(1)),
    'indexes': plan.indexes,
  })
}

console.log(
  `\n订单管理 list, ${Number(count).toLocaleString('en')} orders of one tenant, ` +
    `app role under RLS, ${RUNS} runs per case (page of 20, keyset)\n`
)
console.table(rows)
// The summary `npm run bench` keeps for every benchmark; this one has no baseline.
await mkdir(`${root}tmp/bench`, { recursive: true })
await writeFile(
  `${root}tmp/bench/orders.json`,
  `${JSON.stringify({ bench: 'orders', at: new Date().toISOString(), orders: Number(count), runs: RUNS, cases: rows }, null, 2)}\n`
)
await finish(app)
