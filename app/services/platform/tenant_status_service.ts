import db from '@adonisjs/lucid/services/db'

/**
 * Whether a tenant may work at all. The gateway asks before it accepts a
 * pile's connection: it knows the pile, not yet a tenant context, so the
 * read goes through the owner connection.
 */
export default class TenantStatusService {
  async isActive(tenantId: number): Promise<boolean> {
    const row = await db
      .connection('owner')
      .from('tenants')
      .where('id', tenantId)
      .select('status')
      .first()
    return row?.status === 'active'
  }
}
