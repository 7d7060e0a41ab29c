import { test } from '@japa/runner'
import DeviceEventService, { GATEWAY_CACHING } from '#services/operations/device_event_service'
import GatewaySink from '#services/operations/gateway/gateway_sink'
import { pileColumn, portStates } from '#tests/functional/devices/helpers'
import {
  charging,
  chargingFixture,
  orderField,
  owner,
  startedBySwipe,
} from '#tests/functional/charging/helpers'

/*
| The gateway's shortcuts (issue 8): cached lookups, coalesced heartbeats,
| one statement for a heartbeat's ports, no tenant transaction for a meter
| sample of an idle port. No global transaction: the gateway's reads go
| through the owner connection, which sees only committed rows.
*/

const idlePorts = [1, 2, 3, 4].map((portNo) => ({ portNo, state: 'idle' as const }))

async function samplePowers(orderNo: string) {
  const order = await owner().from('charging_orders').where('order_no', orderNo).firstOrFail()
  const rows = await owner()
    .from('charging_meter_samples')
    .where('order_id', order.id)
    .orderBy('id')
    .select('power_deciwatts')
  return rows.map((row) => row.power_deciwatts)
}

test.group('Gateway ingest', () => {
  test('an unchanged heartbeat is written at most once per window; ports, details and a reconnect are written at once', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const events = new DeviceEventService(GATEWAY_CACHING)
    const key = fixture.deviceKey
    // After the fixture's own heartbeat (now): a beat never moves the clock back.
    const t0 = new Date(Date.now() + 1000)
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)
    const beatAt = async () => {
      const stored: Date = await pileColumn(fixture.pile.id, 'last_heartbeat_at')
      return stored.getTime()
    }

    await events.recordHeartbeat('vendor-dny', key, { ports: idlePorts, ip: '10.0.0.1', at: t0 })
    assert.equal(await beatAt(), t0.getTime())

    const charging4 = [...idlePorts.slice(0, 3), { portNo: 4, state: 'charging' as const }]
    await events.recordHeartbeat('vendor-dny', key, { ports: charging4, ip: '10.0.0.1', at: at(5) })
    assert.equal(await beatAt(), t0.getTime(), 'coalesced within the window')
    assert.deepEqual(await portStates(fixture.pile.id), ['idle', 'idle', 'idle', 'charging'])

    await events.recordHeartbeat('vendor-dny', key, { ip: '10.0.0.2', at: at(10) })
    assert.equal(await beatAt(), at(10).getTime(), 'a changed detail is written')
    assert.equal(await pileColumn(fixture.pile.id, 'last_seen_ip'), '10.0.0.2')

    await events.recordHeartbeat('vendor-dny', key, { ip: '10.0.0.2', at: at(45) })
    assert.equal(await beatAt(), at(45).getTime(), 'written again once the window passed')

    assert.isTrue(await events.markOffline('vendor-dny', key))
    assert.isFalse(await pileColumn(fixture.pile.id, 'online'))
    await events.recordHeartbeat('vendor-dny', key, {
      ports: idlePorts,
      ip: '10.0.0.2',
      at: at(46),
    })
    assert.isTrue(await pileColumn(fixture.pile.id, 'online'), 'back online at its first beat')
    assert.deepEqual(await portStates(fixture.pile.id), ['idle', 'idle', 'idle', 'idle'])
  })

  test('a cached lookup sees a disabled pile after its time to live; a suspended tenant is refused', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const events = new DeviceEventService({ lookupSeconds: 0.2, heartbeatSeconds: 0 })
    const statusOf = async (key: string) => {
      const found = await events.lookup('vendor-dny', key)
      return found.status
    }
    const key = fixture.deviceKey
    assert.equal(await statusOf(key), 'active')

    await owner().from('piles').where('id', fixture.pile.id).update({ status: 'disabled' })
    assert.equal(await statusOf(key), 'active', 'bounded staleness')
    await new Promise((resolve) => setTimeout(resolve, 250))
    assert.equal(await statusOf(key), 'disabled')

    await owner().from('piles').where('id', fixture.pile.id).update({ status: 'active' })
    await owner().from('tenants').where('id', fixture.tenant.id).update({ status: 'suspended' })
    const sink = new GatewaySink('vendor-dny', new DeviceEventService())
    assert.deepEqual(await sink.heartbeat({ deviceKey: key }), { accepted: false })
  })

  test('a meter sample of an idle port costs no tenant transaction; one of an open order is recorded', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const sink = new GatewaySink('vendor-dny', new DeviceEventService(GATEWAY_CACHING))
    const sample = { deviceKey: fixture.deviceKey, powerDeciwatts: 1500, at: new Date() }
    const probe = { pileId: fixture.pile.id, orderNo: null }

    assert.isFalse(await charging.meter.meterMayApply(fixture.tenant.id, { ...probe, portNo: 1 }))
    const orderNo = await startedBySwipe(fixture)
    assert.isTrue(await charging.meter.meterMayApply(fixture.tenant.id, { ...probe, portNo: 1 }))
    assert.isFalse(await charging.meter.meterMayApply(fixture.tenant.id, { ...probe, portNo: 2 }))
    assert.isTrue(
      await charging.meter.meterMayApply(fixture.tenant.id, { ...probe, portNo: 2, orderNo }),
      'an order named by the sample counts whatever the port'
    )
    assert.isFalse(
      await charging.meter.meterMayApply(fixture.tenant.id + 1_000_000, { ...probe, portNo: 1 }),
      'only the pile tenant orders count'
    )

    await sink.meterSample({ ...sample, portNo: 2, orderNo: null })
    await sink.meterSample({ ...sample, portNo: 1, orderNo: null })
    await sink.meterSample({ ...sample, portNo: 1, orderNo, powerDeciwatts: 1700 })
    assert.deepEqual(await samplePowers(orderNo), [1500, 1700])
    assert.equal(await orderField(orderNo, 'max_power_deciwatts'), 1700)
  })
})
