import { inject } from '@adonisjs/core'
import type { ChargeDuration } from '#models/charging_order'
import Card from '#models/card'
import Rider from '#models/rider'
import TenantContext from '#core/tenancy/tenant_context'
import ChargingRefusal from '#services/orders/charging_refusal'
import RemoteControl from '#services/orders/remote_control'
import { normalizeCardNo } from '#services/cards/card_number'
import { visiblePiles } from '#services/operations/registry_support'

/** 启动充电 as the pile page sends it: who pays (a rider by phone or card, or nobody: 免费测试) and why. */
export type StaffStartInput =
  | { payer: 'phone'; phone: string; hours?: number; reason: string }
  | { payer: 'card'; cardNo: string; hours?: number; reason: string }
  | { payer: 'test'; hours?: number; reason: string }

/**
 * 运维 → 充电桩 → 端口 → 启动充电: staff start a charge on the staff channel,
 * paid as the rider's own start would be (their plan, else their wallet,
 * within the project's overdraft), or as a free test charge with no rider.
 * The reason is kept in the start's audit record; every refusal changes nothing.
 */
@inject()
export default class StaffRemoteStart {
  constructor(
    protected tenant: TenantContext,
    protected remote: RemoteControl
  ) {}

  async start(pileId: number, portNo: number, input: StaffStartInput) {
    // Another tenant's pile, or one of a project this staff member does not see: 404.
    await this.tenant.run((trx) => visiblePiles(this.tenant, trx).where('id', pileId).firstOrFail())
    const riderId = input.payer === 'test' ? null : await this.#rider(input)
    const durationType: ChargeDuration =
      input.hours === undefined ? { kind: 'full' } : { kind: 'hours', hours: input.hours }
    return this.remote.startRemote(this.tenant, {
      pileId,
      portNo,
      riderId,
      durationType,
      channel: 'staff',
      reason: input.reason,
    })
  }

  /** The rider named by phone, or by a card bound to them. */
  async #rider(input: Exclude<StaffStartInput, { payer: 'test' }>): Promise<number> {
    const riderId = await this.tenant.run(async (trx) => {
      if (input.payer === 'phone') {
        const rider = await this.tenant.query(Rider, trx).where('phone', input.phone).first()
        return rider?.id ?? null
      }
      const cardNo = normalizeCardNo(input.cardNo)
      if (!cardNo) return null
      const card = await this.tenant
        .query(Card, trx)
        .where({ card_no: cardNo, status: 'bound' })
        .first()
      return card?.riderId ?? null
    })
    if (riderId === null) throw new ChargingRefusal('riderNotFound')
    return riderId
  }
}
