import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import gatewayConfig from '#config/gateway'
import HeartbeatService from '#core/processes/heartbeat_service'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { chargingFixture, owner } from '#tests/functional/charging/helpers'

/** A gateway's row as GatewayLeases writes it, its last beat `agoMs` ago. */
async function gatewayRow(id: string, host: string, pid: number, agoMs: number) {
  await owner()
    .table('gateway_instances')
    .insert({ id, host, pid, started_at: new Date(), beat_at: new Date(Date.now() - agoMs) })
}

/** The pile is leased to the gateway, as its login there does. */
async function lease(pileId: number, gatewayId: string) {
  const pile = await owner().from('piles').where('id', pileId).firstOrFail()
  await owner().table('pile_leases').insert({
    plugin_id: pile.plugin_id,
    device_key: pile.device_key,
    gateway_id: gatewayId,
    acquired_at: new Date(),
  })
}

async function homeProcesses(staff: { account: string }, password: string) {
  const browser = new BrowserSession()
  await browser.login({ account: staff.account, password })
  const props = await browser.props('/')
  return props.processes.map((row: Record<string, unknown>) => [
    row.role,
    row.host,
    row.pid,
    row.stale,
    row.piles,
  ])
}

test.group('Home page processes', (group) => {
  group.each.setup(async () => {
    await resetLoginLimits()
    await db.from('process_heartbeats').delete()
    // Leases go with their gateways (ON DELETE CASCADE).
    await owner().from('gateway_instances').delete()
  })

  test('workers come from their heartbeats, gateways from gateway_instances with how many of the tenant’s piles each holds; stale ones are marked', async ({
    assert,
  }) => {
    const heartbeats = new HeartbeatService()
    await heartbeats.beat('worker', { host: 'node-a', pid: 11, everySeconds: 60 })
    await heartbeats.beat('worker', { host: 'node-b', pid: 12, everySeconds: 60 })
    await db
      .from('process_heartbeats')
      .where({ pid: 12 })
      .update({ beat_at: db.raw(`now() - interval '10 minutes'`) })
    // What a gateway wrote before it beat only in gateway_instances: not listed.
    await db.table('process_heartbeats').insert({
      role: 'gateway',
      host: 'node-a',
      pid: 13,
      every_seconds: 60,
      beats: 1,
      beat_at: new Date(),
    })
    await gatewayRow('node-a:21:alive', 'node-a', 21, 0)
    await gatewayRow('node-b:22:silent', 'node-b', 22, 2 * gatewayConfig.routing.deadAfterMs)

    const mine = await chargingFixture()
    // Another tenant's pile on the same gateway, seen by staff who may not see devices.
    const other = await chargingFixture({ roles: ['operator'] })
    await lease(mine.pile.id, 'node-a:21:alive')
    await lease(other.pile.id, 'node-a:21:alive')

    assert.deepEqual(await homeProcesses(mine.staff, mine.password), [
      ['worker', 'node-a', 11, false, null],
      ['worker', 'node-b', 12, true, null],
      ['gateway', 'node-a', 21, false, 1],
      ['gateway', 'node-b', 22, true, 0],
    ])
    // The processes without any count of piles.
    assert.deepEqual(await homeProcesses(other.staff, other.password), [
      ['worker', 'node-a', 11, false, null],
      ['worker', 'node-b', 12, true, null],
      ['gateway', 'node-a', 21, false, null],
      ['gateway', 'node-b', 22, true, null],
    ])
  }).timeout(30_000)
})
