import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import MainSeeder from '#database/seeders/main_seeder'
import RiderCardSeeder from '#database/seeders/rider_card_seeder'

test.group('Cards: demo seeder', () => {
  test('the demo tenants get riders, a card stock per project and bound cards, once', async ({
    assert,
  }) => {
    const owner = db.connection('owner')
    await new MainSeeder(owner).run()
    await new RiderCardSeeder(owner).run()
    await new RiderCardSeeder(owner).run()

    const tenant = await owner.from('tenants').where('code', 'zxb').firstOrFail()
    const cards = await owner.from('cards').where('tenant_id', tenant.id)
    const riders = await owner.from('riders').where('tenant_id', tenant.id)
    const projects = await owner.from('projects').where('tenant_id', tenant.id)
    assert.lengthOf(riders, 5)
    assert.lengthOf(cards, 20 * projects.length)
    const bound = cards.filter((card) => card.status === 'bound')
    assert.lengthOf(bound, 3)
    assert.lengthOf(new Set(bound.map((card) => card.rider_id)), 3)
    const wallets = await owner.from('wallets').where('tenant_id', tenant.id)
    assert.lengthOf(wallets, 5)
  })
})
