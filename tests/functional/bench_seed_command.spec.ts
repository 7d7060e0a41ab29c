import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import BenchSeedCommand from '../../commands/bench_seed.js'

// The command writes through the owner connection and commits: no global transaction here.
async function runCommand(argv: string[]) {
  const ace = await app.container.make('ace')
  ace.ui.switchMode('raw')
  const command = await ace.create(BenchSeedCommand, argv)
  await command.exec()
  return command
}

test.group('node ace bench:seed', () => {
  test('seeds riders, wallets and a ledger that holds; reuses the same set, refuses another', async ({
    assert,
  }) => {
    const code = `bench-t${process.pid}-${Date.now().toString(36)}`
    const argv = ['--riders=7', '--entries=147', `--tenant-code=${code}`]
    const first = await runCommand(argv)
    first.assertSucceeded()

    const owner = db.connection('owner')
    const tenant = await owner.from('tenants').where('code', code).firstOrFail()
    const wallets = await owner.from('wallets').where('tenant_id', tenant.id)
    assert.lengthOf(wallets, 7)
    const entries = await owner
      .from('ledger_entries')
      .where('tenant_id', tenant.id)
      .orderBy(['wallet_id', 'id'])
    assert.lengthOf(entries, 147)
    assert.sameMembers(
      [...new Set(entries.map((entry) => entry.detail_type))],
      ['counter_topup', 'qr_topup', 'bonus_grant', 'charge_settlement', 'refund']
    )
    // Each entry's balances-after are the running sums; each wallet holds its last entry's.
    for (const wallet of wallets) {
      let real = 0
      let bonus = 0
      let previous = 0
      for (const entry of entries.filter((row) => row.wallet_id === wallet.id)) {
        real += entry.real_in - entry.real_out
        bonus += entry.bonus_in - entry.bonus_out
        assert.equal(entry.real_after, real)
        assert.equal(entry.bonus_after, bonus)
        assert.isAbove(entry.occurred_at.getTime(), previous)
        previous = entry.occurred_at.getTime()
      }
      assert.isAtLeast(real, 0)
      assert.equal(wallet.real_balance, real)
      assert.equal(wallet.bonus_balance, bonus)
    }
    const staff = await owner.from('staff').where('account', `${code}_finance`).firstOrFail()
    assert.equal(staff.tenant_id, tenant.id)

    const again = await runCommand(argv)
    again.assertSucceeded()
    again.assertLogMatches(/reused/)

    const other = await runCommand(['--riders=8', '--entries=147', `--tenant-code=${code}`])
    other.assertFailed()
    other.assertLogMatches(/already exists with 7 riders and 147 entries/)
  })

  test('refuses bad flags before writing anything', async () => {
    const command = await runCommand(['--riders=0', '--tenant-code=Bad Code'])
    command.assertFailed()
    command.assertLogMatches(/--riders/)
    command.assertLogMatches(/--tenant-code/)
  })
})
