import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import MainSeeder from '#database/seeders/main_seeder'
import PileSeeder from '#database/seeders/pile_seeder'

test.group('Devices: demo seeder', () => {
  test('zxb gets three vendors, a station per project and four piles with ports, once', async ({
    assert,
  }) => {
    const owner = db.connection('owner')
    await new MainSeeder(owner).run()
    await new PileSeeder(owner).run()
    await new PileSeeder(owner).run()

    const tenant = await owner.from('tenants').where('code', 'zxb').firstOrFail()
    const vendors = await owner.from('vendors').where('tenant_id', tenant.id).orderBy('id')
    assert.deepEqual(
      vendors.map((vendor) => vendor.plugin_id),
      ['vendor-dny', 'vendor-juy', 'vendor-ocpp16']
    )
    const projects = await owner.from('projects').where('tenant_id', tenant.id)
    const stations = await owner.from('stations').where('tenant_id', tenant.id)
    assert.lengthOf(stations, projects.length)
    assert.sameMembers(
      stations.map((station) => station.project_id),
      projects.map((project) => project.id)
    )
    const piles = await owner.from('piles').where('tenant_id', tenant.id).orderBy('id')
    assert.deepEqual(
      piles.map((pile) => [pile.plugin_id, pile.port_count]),
      [
        ['vendor-dny', 10],
        ['vendor-dny', 2],
        ['vendor-juy', 2],
        ['vendor-ocpp16', 2],
      ]
    )
    const ports = await owner.from('pile_ports').where('tenant_id', tenant.id)
    assert.lengthOf(ports, 16)
  })
})
