import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'

/*
| The demo seeders as `npm run dev` runs them (`db:seed --connection=owner`
| in its own process), twice: the second run must change nothing. No global
| transaction: the seeders commit from another process.
*/

function seed(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['ace.js', 'db:seed', '--connection=owner'],
      { cwd: fileURLToPath(app.appRoot), env: process.env },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0
        resolve({ code, output: `${stdout}${stderr}` })
      }
    )
  })
}

const TABLES = [
  'tenants',
  'staff',
  'riders',
  'wallets',
  'cards',
  'ledger_entries',
  'charging_orders',
  'charging_meter_samples',
  'audit_logs',
  'piles',
  'topup_packages',
  'repair_tickets',
]

async function snapshot(tenantId: number) {
  const owner = db.connection('owner')
  const counts: Record<string, number> = {}
  // The demo tenant's rows only: other suites' late work (a payment gateway's
  // retried notifications, say) may still be writing elsewhere meanwhile.
  for (const table of TABLES) {
    const query = owner.from(table).count('* as total')
    if (table === 'tenants') query.whereIn('code', ['zxb', 'lvyuan'])
    else query.where('tenant_id', tenantId)
    const [row] = await query
    counts[table] = Number(row.total)
  }
  const orders = await owner
    .from('charging_orders')
    .where('tenant_id', tenantId)
    .groupBy('status', 'abnormal_reason')
    .select('status', 'abnormal_reason')
    .count('* as total')
    .sum('amount_fen as fen')
    .orderBy(['status', 'abnormal_reason'])
  const [balances] = await owner
    .from('wallets')
    .where('tenant_id', tenantId)
    .sum('real_balance as real')
    .sum('bonus_balance as bonus')
  return { counts, orders, balances }
}

test.group('Demo seeders', () => {
  test('seed a month of zxb orders once; a second run changes nothing', async ({ assert }) => {
    const first = await seed()
    assert.equal(first.code, 0, first.output)
    const tenant = await db.connection('owner').from('tenants').where('code', 'zxb').firstOrFail()
    const after = await snapshot(Number(tenant.id))

    const orders = await db
      .connection('owner')
      .from('charging_orders')
      .where('tenant_id', tenant.id)
      .select(
        db.raw('count(*)::int as total'),
        db.raw(`count(*) filter (where status = 'settled')::int as settled`),
        db.raw(`count(*) filter (where status = 'abnormal')::int as abnormal`),
        db.raw(`min(created_at) as first`),
        db.raw(`count(distinct rider_id)::int as riders`)
      )
      .firstOrFail()
    assert.isAbove(orders.total, 1400)
    assert.isAbove(orders.settled, 1400)
    assert.isAtLeast(orders.abnormal, 5)
    assert.isAtLeast(orders.riders, 55)
    // Spread over the month, not all today.
    assert.isBelow(new Date(orders.first).getTime(), Date.now() - 28 * 24 * 3_600_000)
    const refunds = await db
      .connection('owner')
      .from('ledger_entries')
      .where({ tenant_id: tenant.id, detail_type: 'refund' })
      .count('* as total')
    assert.isAtLeast(Number(refunds[0].total), 3)

    const second = await seed()
    assert.equal(second.code, 0, second.output)
    assert.deepEqual(await snapshot(Number(tenant.id)), after)

    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
    assert.match(verify.output, /ledger ok/)
  }).timeout(180_000)
})
