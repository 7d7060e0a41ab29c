import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import MainSeeder from '#database/seeders/main_seeder'
import PileSeeder from '#database/seeders/pile_seeder'
import type { VendorDeviceProof } from '#sdk/contracts/vendor'
import { readDemoCredentials } from '#services/operations/demo_credentials'
import GatewaySink from '#services/operations/gateway/gateway_sink'

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

  test('demo piles get credentials, written where pile:simulate reads them and kept on a rerun', async ({
    assert,
  }) => {
    const owner = db.connection('owner')
    const directory = await mkdtemp(join(tmpdir(), 'pilehub-demo-'))
    const file = join(directory, 'demo-pile-credentials.json')
    try {
      await new MainSeeder(owner).run()
      const seeder = new PileSeeder(owner)
      seeder.credentialsFile = file
      await seeder.run()
      const first = await readDemoCredentials(file)
      await seeder.run()
      assert.deepEqual(await readDemoCredentials(file), first)

      const tenant = await owner.from('tenants').where('code', 'zxb').firstOrFail()
      const piles = await owner.from('piles').where('tenant_id', tenant.id).orderBy('id')
      for (const pile of piles) {
        const credential = first[pile.plugin_id][pile.device_key]
        assert.isFalse(pile.allow_unauthenticated, pile.device_key)
        const proof: VendorDeviceProof =
          pile.plugin_id === 'vendor-dny'
            ? { kind: 'iccid', iccid: credential }
            : { kind: 'secret', secret: credential }
        if (pile.plugin_id !== 'vendor-dny') assert.match(credential, /^[0-9a-f]{40}$/)
        const decision = await new GatewaySink(pile.plugin_id).authenticate({
          deviceKey: pile.device_key,
          proof,
        })
        assert.deepEqual(decision, { outcome: 'authenticated' }, pile.device_key)
      }
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  })
})
