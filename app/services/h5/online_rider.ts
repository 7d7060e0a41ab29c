import type { TransactionClientContract } from '@adonisjs/lucid/types/database'

/**
 * A rider who signs up on the H5 (source 线上), by phone or as a WeChat or
 * Alipay guest (游客, numbered, no phone yet), with an empty wallet. The id.
 */
export async function insertOnlineRider(
  trx: TransactionClientContract,
  tenantId: number,
  rider: { name: string; phone: string | null; guestNo?: number }
) {
  const [row] = await trx
    .insertQuery()
    .table('riders')
    .insert({
      tenant_id: tenantId,
      name: rider.name,
      phone: rider.phone,
      guest_no: rider.guestNo ?? null,
      status: 'normal',
      source: 'online',
      registered_at: new Date(),
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
  const riderId = Number(row.id)
  await trx.table('wallets').insert({ tenant_id: tenantId, rider_id: riderId })
  return riderId
}
