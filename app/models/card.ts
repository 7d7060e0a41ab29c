import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

/** 库存 / 已绑定 / 挂失 / 作废. */
export const CARD_STATUSES = ['in_stock', 'bound', 'lost', 'voided'] as const
export type CardStatus = (typeof CARD_STATUSES)[number]

/** An IC card of a tenant; changed only through CardService, which audits every change. */
export default class Card extends compose(BaseModel, TenantOwned, ProjectOwned, Timestamps) {
  /** Normalised: see `normalizeCardNo` in #services/cards/card_number. */
  @column()
  declare cardNo: string

  @column()
  declare status: CardStatus

  /** The rider it is (or, once voided, was) bound to. */
  @column()
  declare riderId: number | null

  /** The card-fee (工本费) payment of the 开卡; null when the fee was 0 or for a 换卡. */
  @column()
  declare paymentId: number | null

  /** The card that replaced this one in a 换卡. */
  @column()
  declare replacedById: number | null

  @column.dateTime()
  declare boundAt: DateTime | null

  @column.dateTime()
  declare lostAt: DateTime | null

  @column.dateTime()
  declare voidedAt: DateTime | null
}
