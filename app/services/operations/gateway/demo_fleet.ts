import db from '@adonisjs/lucid/services/db'

/**
 * A tenant's registered piles of one plugin and its bound cards, for
 * simulators that should look like the tenant's real fleet (the demo).
 * Platform tooling: read by the owner.
 */
export async function demoFleet(pluginId: string, tenantCode: string, limit: number) {
  const owner = db.connection('owner')
  const tenant = await owner.from('tenants').where('code', tenantCode).select('id').first()
  if (!tenant) return { deviceKeys: [], cardNos: [] }
  const piles = await owner
    .from('piles')
    .where({ tenant_id: tenant.id, plugin_id: pluginId, status: 'active' })
    .orderBy('id')
    .limit(limit)
    .select('device_key')
  const cards = await owner
    .from('cards')
    .where({ tenant_id: tenant.id, status: 'bound' })
    .orderBy('id')
    .limit(100)
    .select('card_no')
  return {
    deviceKeys: piles.map((pile) => pile.device_key as string),
    cardNos: cards.map((card) => card.card_no as string),
  }
}
