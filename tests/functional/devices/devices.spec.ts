import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { offlineSweepJob } from '#jobs/device_jobs'
import DeviceEventService from '#services/operations/device_event_service'
import { resetLoginLimits } from '#tests/helpers/login'
import {
  actionNames,
  auditActions,
  deviceFixture,
  flashError,
  freshDnyKey,
  outcome,
  owner,
  pileColumn,
  ports,
  portStates,
} from '#tests/functional/devices/helpers'

/*
| No global transaction: requests commit on the app connection and the
| checks read what really committed through the owner connection.
*/

const events = new DeviceEventService()

async function applied(...args: Parameters<DeviceEventService['applyPortStatus']>) {
  const outcomeOf = await events.applyPortStatus(...args)
  return outcomeOf.applied
}

test.group('Devices: registry', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('staff create vendors, stations and a 10-port pile; every change is audited', async ({
    assert,
  }) => {
    const { browser, tenant, project } = await deviceFixture(['maintenance'])

    await browser.send('POST', '/operations/vendors', { name: '兴科', pluginId: 'vendor-juy' })
    const bad = await browser.send('POST', '/operations/vendors', {
      name: '坏插件',
      pluginId: 'Vendor DNY',
    })
    assert.equal(bad.status, 302)
    const vendors = await owner().from('vendors').where('tenant_id', tenant.id).orderBy('id')
    assert.deepEqual(
      vendors.map((vendor) => [vendor.name, vendor.plugin_id]),
      [
        ['科爵', 'vendor-dny'],
        ['兴科', 'vendor-juy'],
      ]
    )

    await browser.send('POST', '/operations/stations', {
      projectId: project.id,
      name: '二号站',
      address: '郑州市金水区',
      latitude: 34.757975,
      longitude: 113.665412,
      status: 'active',
    })
    await browser.send('POST', '/operations/stations', {
      projectId: project.id,
      name: '二号站',
      status: 'active',
    })
    assert.equal(await flashError(browser, '/operations/stations'), '该项目下已有同名站点')
    const station = await owner()
      .from('stations')
      .where({ tenant_id: tenant.id, name: '二号站' })
      .firstOrFail()
    assert.equal(Number(station.latitude), 34.757975)

    const key = freshDnyKey()
    const created = await browser.send('POST', '/operations/piles', {
      stationId: station.id,
      vendorId: vendors[0].id,
      deviceKey: key.toLowerCase(),
      name: '二号站 1 号桩',
      portCount: 10,
    })
    const pile = await owner()
      .from('piles')
      .where({ plugin_id: 'vendor-dny', device_key: key })
      .firstOrFail()
    assert.equal(created.location, `/operations/piles/${pile.id}`)
    assert.equal(pile.project_id, project.id)
    assert.isFalse(pile.online)
    const portRows = await ports(pile.id)
    assert.deepEqual(
      portRows.map((port) => [port.port_no, port.state]),
      Array.from({ length: 10 }, (_, index) => [index + 1, 'offline'])
    )

    const list = await browser.props(`/operations/piles?keyword=${key.slice(0, 6)}`)
    assert.deepEqual(
      list.piles.map((row: { id: number }) => row.id),
      [pile.id]
    )
    const detail = await browser.props(`/operations/piles/${pile.id}`)
    assert.lengthOf(detail.ports, 10)
    assert.equal(
      detail.pile.displayKey,
      `05-${Number.parseInt(key.slice(2), 16)}`,
      'DNY ids show as printed under the QR code'
    )

    assert.deepEqual(await actionNames(tenant.id), [
      'devices.vendor_create',
      'devices.station_create',
      'devices.vendor_create',
      'devices.station_create',
      'devices.pile_create',
    ])
  })

  test('a device key is unique across tenants, and checked per plugin', async ({ assert }) => {
    const first = await deviceFixture()
    const second = await deviceFixture()
    const key = freshDnyKey()
    const input = { stationId: 0, vendorId: 0, name: '桩', portCount: 2 }
    assert.equal(
      await outcome(
        first.registry.piles.create({
          ...input,
          stationId: first.station.id,
          vendorId: first.vendor.id,
          deviceKey: key,
        })
      ),
      'ok'
    )
    // The same pile typed as printed under its QR code is the same key.
    const printed = `05-${Number.parseInt(key.slice(2), 16)}`
    assert.equal(
      await outcome(
        second.registry.piles.create({
          ...input,
          stationId: second.station.id,
          vendorId: second.vendor.id,
          deviceKey: printed,
        })
      ),
      'deviceKeyUnavailable'
    )
    assert.equal(
      await outcome(
        second.registry.piles.create({
          ...input,
          stationId: second.station.id,
          vendorId: second.vendor.id,
          deviceKey: '12345',
        })
      ),
      'invalidDeviceKey'
    )
    // Another tenant's station or vendor is not found.
    assert.equal(
      await outcome(
        second.registry.piles.create({
          ...input,
          stationId: first.station.id,
          vendorId: second.vendor.id,
          deviceKey: freshDnyKey(),
        })
      ),
      'stationNotFound'
    )
  })

  test("a vendor's plugin and a station's project stay while piles use them", async ({
    assert,
  }) => {
    const { registry, vendor, station, project, tenant } = await deviceFixture()
    await registry.piles.create({
      stationId: station.id,
      vendorId: vendor.id,
      deviceKey: freshDnyKey(),
      name: '桩',
      portCount: 2,
    })
    assert.equal(
      await outcome(registry.vendors.update(vendor.id, { name: '科爵', pluginId: 'vendor-juy' })),
      'vendorHasPiles'
    )
    const [other] = await owner()
      .insertQuery()
      .table('projects')
      .insert({
        tenant_id: tenant.id,
        code: `other_${station.id}`,
        name: `另一项目${station.id}`,
        status: 'active',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    assert.equal(
      await outcome(
        registry.stations.update(station.id, {
          projectId: other.id,
          name: '一号站',
          status: 'active',
        })
      ),
      'stationHasPiles'
    )
    const kept = await owner().from('stations').where('id', station.id).firstOrFail()
    assert.equal(kept.project_id, project.id)
  })
})

test.group('Devices: gateway entry points', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an unknown pile waits in pending_piles until staff claim it', async ({ assert }) => {
    const claimer = await deviceFixture()
    const other = await deviceFixture()
    const key = freshDnyKey()

    const first = await events.recordHeartbeat('vendor-dny', key, {
      portCount: 10,
      iccid: '89860000000000000001',
      ip: '10.0.0.8',
    })
    assert.deepEqual(first, { status: 'unassigned' })
    await events.recordHeartbeat('vendor-dny', key, { firmware: 'V3.2' })
    const pending = await owner()
      .from('pending_piles')
      .where({ plugin_id: 'vendor-dny', device_key: key })
    assert.lengthOf(pending, 1)
    assert.equal(pending[0].port_count, 10)
    assert.equal(pending[0].firmware, 'V3.2')

    // The app role (every tenant request) cannot read the platform table at all.
    await assert.rejects(() => claimer.asAdmin.run((trx) => trx.from('pending_piles').select('id')))

    const claimed = await claimer.browser.send('POST', '/operations/piles/claim', {
      stationId: claimer.station.id,
      vendorId: claimer.vendor.id,
      code: key,
      name: '认领的桩',
    })
    const pile = await owner().from('piles').where({ device_key: key }).firstOrFail()
    assert.equal(claimed.location, `/operations/piles/${pile.id}`)
    assert.equal(pile.tenant_id, claimer.tenant.id)
    assert.equal(pile.port_count, 10)
    assert.equal(pile.iccid, '89860000000000000001')
    assert.equal(pile.firmware, 'V3.2')
    assert.lengthOf(await ports(pile.id), 10)
    assert.lengthOf(await owner().from('pending_piles').where({ device_key: key }), 0)
    assert.include(await actionNames(claimer.tenant.id), 'devices.pile_claim')

    assert.equal(
      await outcome(
        other.registry.piles.claim({
          stationId: other.station.id,
          vendorId: other.vendor.id,
          code: key,
          name: '抢',
        })
      ),
      'deviceKeyUnavailable'
    )

    // Now the gateway finds it in its tenant.
    const beat = await events.recordHeartbeat('vendor-dny', key, {})
    assert.deepEqual(beat, { status: 'active', tenantId: claimer.tenant.id, pileId: pile.id })
    assert.isTrue(await pileColumn(pile.id, 'online'))
  })

  test('heartbeats and port reports are idempotent', async ({ assert }) => {
    const { registry, station, vendor } = await deviceFixture()
    const key = freshDnyKey()
    const pile = await registry.piles.create({
      stationId: station.id,
      vendorId: vendor.id,
      deviceKey: key,
      name: '桩',
      portCount: 2,
    })
    const report = {
      ip: '10.1.1.1',
      ports: [
        { portNo: 1, state: 'charging' as const, powerDeciwatts: 2105 },
        { portNo: 2, state: 'idle' as const },
      ],
    }
    await events.recordHeartbeat('vendor-dny', key, report)
    const once = await ports(pile.id)
    const beatAt = await pileColumn(pile.id, 'last_heartbeat_at')
    await events.recordHeartbeat('vendor-dny', key, {
      ...report,
      at: new Date(Date.now() - 60_000),
    })
    const twice = await ports(pile.id)
    assert.deepEqual(twice, once, 'the same report changes nothing')
    assert.deepEqual(
      await pileColumn(pile.id, 'last_heartbeat_at'),
      beatAt,
      'a late beat never moves the clock back'
    )
    assert.equal(once[0].state, 'charging')
    assert.equal(once[0].current_power_deciwatts, 2105)
    assert.equal(await pileColumn(pile.id, 'last_seen_ip'), '10.1.1.1')

    const fault = { portNo: 2, state: 'fault' as const, faultCode: 'E07' }
    assert.isTrue(await applied('vendor-dny', key, fault))
    assert.isFalse(await applied('vendor-dny', key, fault))
    const [, faulted] = await ports(pile.id)
    assert.equal(faulted.fault_code, 'E07')
    assert.isFalse(await applied('vendor-dny', key, { portNo: 3, state: 'idle' }))

    assert.isTrue(await events.markOffline('vendor-dny', key))
    assert.isTrue(await events.markOffline('vendor-dny', key))
    assert.isFalse(await pileColumn(pile.id, 'online'))
    assert.deepEqual(await portStates(pile.id), ['offline', 'offline'])
    assert.deepEqual(await events.recordHeartbeat('vendor-dny', 'not a key'), { status: 'invalid' })
  })

  test('the offline sweep takes piles offline after 3 missed heartbeats', async ({ assert }) => {
    const { registry, station, vendor } = await deviceFixture()
    const quiet = await registry.piles.create({
      stationId: station.id,
      vendorId: vendor.id,
      deviceKey: freshDnyKey(),
      name: '沉默的桩',
      portCount: 2,
    })
    const alive = await registry.piles.create({
      stationId: station.id,
      vendorId: vendor.id,
      deviceKey: freshDnyKey(),
      name: '活着的桩',
      portCount: 2,
    })
    const idle = [{ portNo: 1, state: 'idle' as const }]
    // Interval 180 s: 3 missed beats is 540 s.
    await events.recordHeartbeat('vendor-dny', quiet.deviceKey, {
      ports: idle,
      at: new Date(Date.now() - 541_000),
    })
    await events.recordHeartbeat('vendor-dny', alive.deviceKey, {
      ports: idle,
      at: new Date(Date.now() - 500_000),
    })

    await offlineSweepJob.handle({}, { attempt: 1, jobId: undefined })
    assert.isFalse(await pileColumn(quiet.id, 'online'))
    assert.deepEqual(await portStates(quiet.id), ['offline', 'offline'])
    assert.isTrue(await pileColumn(alive.id, 'online'))
    assert.deepEqual(await portStates(alive.id), ['idle', 'offline'])

    // A heartbeat brings it back.
    await events.recordHeartbeat('vendor-dny', quiet.deviceKey, { ports: idle })
    assert.isTrue(await pileColumn(quiet.id, 'online'))
    assert.deepEqual(await portStates(quiet.id), ['idle', 'offline'])
  })
})

test.group('Devices: commands', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('commands are recorded pending, audit-logged, and finished once by the gateway', async ({
    assert,
  }) => {
    const { browser, registry, station, vendor, tenant, staff } = await deviceFixture([
      'maintenance',
    ])
    const pile = await registry.piles.create({
      stationId: station.id,
      vendorId: vendor.id,
      deviceKey: freshDnyKey(),
      name: '桩',
      portCount: 10,
    })
    const path = `/operations/piles/${pile.id}/commands`
    await browser.send('POST', path, { command: 'stop', portNo: 3 }, `/operations/piles/${pile.id}`)
    await browser.send('POST', path, { command: 'stop', portNo: 11 })
    assert.equal(await flashError(browser, '/operations/piles'), '端口不存在')
    await browser.send('POST', path, { command: 'stop' })
    await browser.send('POST', path, { command: 'reboot', portNo: 4 })
    await browser.send('POST', path, { command: 'set_parameters', parameters: {} })
    await browser.send('POST', path, {
      command: 'set_parameters',
      parameters: { maxPowerWatts: 800 },
    })

    const commands = await owner().from('device_commands').where('pile_id', pile.id).orderBy('id')
    assert.deepEqual(
      commands.map((row) => [row.command, row.port_no, row.status, row.parameters]),
      [
        ['stop', 3, 'pending', {}],
        ['reboot', null, 'pending', {}],
        ['set_parameters', null, 'pending', { maxPowerWatts: 800 }],
      ]
    )
    assert.equal(commands[0].requested_by_staff_id, staff.id)
    const allAudit = await auditActions(tenant.id)
    const audit = allAudit.filter((row) => row.action.startsWith('devices.command'))
    assert.deepEqual(
      audit.map((row) => [row.action, row.after.commandId]),
      [
        ['devices.command_stop', commands[0].id],
        ['devices.command_reboot', commands[1].id],
        ['devices.command_set_parameters', commands[2].id],
      ]
    )

    assert.isTrue(await events.recordCommandResult(commands[0].id, 'sent'))
    assert.isTrue(await events.recordCommandResult(commands[0].id, 'acked', { code: 0 }))
    assert.isFalse(await events.recordCommandResult(commands[0].id, 'failed', { code: 1 }))
    const state = await browser
      .get(`/operations/piles/${pile.id}/state`)
      .then((response) => JSON.parse(response.text))
    const stop = state.commands.find((row: { id: number }) => row.id === commands[0].id)
    assert.equal(stop.status, 'acked')
    assert.deepEqual(stop.result, { code: 0 })
    assert.isNotNull(stop.finishedAt)
  })

  test('staff without devices.command cannot send commands, nor see piles without devices.view', async ({
    assert,
  }) => {
    const { browser, registry, station, vendor } = await deviceFixture(['operator'])
    const pile = await registry.piles.create({
      stationId: station.id,
      vendorId: vendor.id,
      deviceKey: freshDnyKey(),
      name: '桩',
      portCount: 2,
    })
    const response = await browser.send('POST', `/operations/piles/${pile.id}/commands`, {
      command: 'reboot',
    })
    assert.equal(response.status, 403)
    const detail = await browser.get(`/operations/piles/${pile.id}`)
    assert.equal(detail.status, 403)
    assert.lengthOf(
      await db.connection('owner').from('device_commands').where('pile_id', pile.id),
      0
    )
  })
})
