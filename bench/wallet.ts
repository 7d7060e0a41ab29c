/*
| wallet: ledger postings per second through WalletService.post (a 1-fen
| charge settlement, app role under RLS, each in its own transaction) on one
| hot wallet and spread over BENCH_WALLETS wallets (default 100,000), at 1, 8
| and 32 concurrent clients, BENCH_SECONDS each.
| Baseline: pgbench's built-in simple-update script on the same PostgreSQL
| and concurrency (spread: scale 1 = 100,000 accounts; hot: the same script
| with every client on account 1).
*/
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { bootBench, finish, ownerUrl, report, throughput, ROOT, type Figure } from './lib.js'

const WALLETS = Number(process.env.BENCH_WALLETS ?? 100_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CLIENTS = [1, 8, 32]
const TENANT = 'bench-wallet'

const app = await bootBench({ appPoolMax: 34 })
const { default: db } = await import('@adonisjs/lucid/services/db')
const { default: TenantContext } = await import('#core/tenancy/tenant_context')
const { default: WalletService } = await import('#core/wallet/wallet_service')
const owner = db.connection('owner')

/** The bench tenant with WALLETS riders and empty wallets, made once and reused. */
async function tenantWithWallets() {
  let tenant = await owner.from('tenants').where('code', TENANT).first()
  if (!tenant) {
    ;[tenant] = await owner
      .table('tenants')
      .insert({
        code: TENANT,
        name: '压测钱包',
        status: 'active',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('*')
    // Postings push balances below zero: the overdraft limit lets them through.
    await owner.table('projects').insert({
      tenant_id: tenant.id,
      code: 'bench',
      name: '压测项目',
      status: 'active',
      overdraft_limit: 1_000_000_000,
      created_at: new Date(),
      updated_at: new Date(),
    })
  }
  const tenantId = Number(tenant.id)
  const [{ n }] = await owner.from('riders').where('tenant_id', tenantId).count('* as n')
  if (Number(n) < WALLETS) {
    await owner.rawQuery(
      `INSERT INTO riders (tenant_id, name, phone, status, source, registered_at, created_at, updated_at)
       SELECT ?, '骑手' || k, '1380' || lpad(k::text, 7, '0'), 'normal', 'offline', now(), now(), now()
         FROM generate_series(?::int, ?::int) k`,
      [tenantId, Number(n) + 1, WALLETS]
    )
    await owner.rawQuery(
      `INSERT INTO wallets (tenant_id, rider_id)
       SELECT r.tenant_id, r.id FROM riders r
        WHERE r.tenant_id = ? AND NOT EXISTS (SELECT 1 FROM wallets w WHERE w.rider_id = r.id)`,
      [tenantId]
    )
    await owner.rawQuery('ANALYZE riders, wallets')
  }
  const project = await owner.from('projects').where('tenant_id', tenantId).firstOrFail()
  const riders = await owner
    .from('riders')
    .where('tenant_id', tenantId)
    .orderBy('id')
    .limit(WALLETS)
    .select('id')
  return { tenantId, projectId: Number(project.id), riderIds: riders.map((r) => Number(r.id)) }
}

/** pgbench's transactions per second (excluding connection set-up). */
function pgbench(args: string[]) {
  const output = execFileSync('pgbench', [...args, '-n', '-T', String(SECONDS), ownerUrl()], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const tps = /tps = ([\d.]+)/.exec(output)
  if (!tps) throw new Error(`pgbench printed no tps:\n${output}`)
  return Number(tps[1])
}

const { tenantId, projectId, riderIds } = await tenantWithWallets()
const system = TenantContext.forJob(tenantId)
const wallet = new WalletService()
const run = Date.now().toString(36)

execFileSync('pgbench', ['-i', '-q', '-s', String(Math.ceil(WALLETS / 100_000)), ownerUrl()], {
  stdio: 'ignore',
})
const hotScript = `${ROOT}tmp/bench/pgbench_hot.sql`
// pgbench's simple-update (its -N / -b simple-update), every client on account 1.
await writeFile(
  hotScript,
  `\\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = 1;
SELECT abalance FROM pgbench_accounts WHERE aid = 1;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, :delta, CURRENT_TIMESTAMP);
END;
`
)

const figures: Figure[] = []
for (const shape of ['hot', 'spread'] as const) {
  for (const clients of CLIENTS) {
    const postings = await throughput(clients, SECONDS, (client, call) =>
      wallet.deduct(system, {
        riderId:
          shape === 'hot' ? riderIds[0] : riderIds[Math.floor(Math.random() * riderIds.length)],
        projectId,
        orderNo: `W${run}${shape[0]}${clients}c${client}n${call}`,
        sequence: 1,
        amount: 1,
      })
    )
    const threads = String(Math.min(clients, 2))
    const baseline = pgbench(
      shape === 'hot'
        ? ['-f', hotScript, '-c', String(clients), '-j', threads]
        : ['-b', 'simple-update', '-c', String(clients), '-j', threads]
    )
    figures.push({
      name: `${shape === 'hot' ? 'one hot wallet' : `${riderIds.length} wallets`}, ${clients} clients`,
      value: postings,
      unit: 'postings/s',
      baseline,
      baselineUnit: 'pgbench simple-update tps',
      details: { wallets: riderIds.length, seconds: SECONDS, clients, shape },
    })
  }
}

await report('wallet', figures)
await finish(app)
