import { test } from '@japa/runner'
import { resetLoginLimits } from '#tests/helpers/login'
import {
  actionNames,
  deviceFixture,
  flashError,
  freshDnyKey,
  owner,
} from '#tests/functional/devices/helpers'

/*
| 停用端口 / 恢复端口 from the pile page (运维 → 充电桩 → a pile): the port's
| 启用/停用 status, which starts and swipes check (the refusals themselves are
| proven in tests/functional/repairs), audit-logged, and only by staff who
| manage devices.
*/

function portStatuses(pileId: number) {
  return owner()
    .from('pile_ports')
    .where('pile_id', pileId)
    .orderBy('port_no')
    .select('port_no', 'status')
    .then((rows) => rows.map((row) => row.status as string))
}

test.group('Devices: a port taken out of service from the pile page', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('maintenance staff disable one port and bring it back; each change is audited once', async ({
    assert,
  }) => {
    const { browser, registry, station, vendor, tenant } = await deviceFixture(['maintenance'])
    const pile = await registry.piles.create({
      stationId: station.id,
      vendorId: vendor.id,
      deviceKey: freshDnyKey(),
      name: '一号桩',
      portCount: 2,
    })
    const path = `/operations/piles/${pile.id}`

    const disabled = await browser.send(
      'PUT',
      `${path}/ports/1/status`,
      { status: 'disabled' },
      path
    )
    assert.equal(disabled.status, 302)
    assert.deepEqual(await portStatuses(pile.id), ['disabled', 'active'])
    const props = await browser.props(path)
    assert.deepEqual(
      props.ports.map((port: { status: string }) => port.status),
      ['disabled', 'active']
    )

    // Again: refused with the reason, nothing written.
    await browser.send('PUT', `${path}/ports/1/status`, { status: 'disabled' }, path)
    assert.equal(await flashError(browser, path), '该端口已停用')

    await browser.send('PUT', `${path}/ports/1/status`, { status: 'active' }, path)
    assert.deepEqual(await portStatuses(pile.id), ['active', 'active'])

    const actions = await actionNames(tenant.id)
    assert.deepEqual(
      actions.filter((action) => action.startsWith('devices.port_')),
      ['devices.port_disable', 'devices.port_enable']
    )
  })

  test('a bad status or port changes nothing; staff without devices.manage are refused', async ({
    assert,
  }) => {
    const { browser, registry, station, vendor } = await deviceFixture(['maintenance'])
    const pile = await registry.piles.create({
      stationId: station.id,
      vendorId: vendor.id,
      deviceKey: freshDnyKey(),
      name: '二号桩',
      portCount: 2,
    })
    const path = `/operations/piles/${pile.id}`

    const bad = await browser.send('PUT', `${path}/ports/1/status`, { status: 'broken' }, path)
    assert.equal(bad.status, 302)
    await browser.send('PUT', `${path}/ports/9/status`, { status: 'disabled' }, path)
    assert.equal(await flashError(browser, path), '端口不存在')
    assert.deepEqual(await portStatuses(pile.id), ['active', 'active'])

    const counter = await deviceFixture(['operator'])
    const refused = await counter.browser.send('PUT', `${path}/ports/1/status`, {
      status: 'disabled',
    })
    assert.equal(refused.status, 403)
    assert.deepEqual(await portStatuses(pile.id), ['active', 'active'])
  })
})
