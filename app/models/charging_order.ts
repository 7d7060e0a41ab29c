import { DateTime } from 'luxon'
import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'
import type { Bill, Tariff } from '#core/billing/tariff'

export const ORDER_STATUSES = [
  'authorised',
  'charging',
  'ended',
  'settled',
  'abnormal',
  'cancelled',
  'refunded',
] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

/** Reasons an order sits in 异常订单 (the capped ones stay on settled orders, for review). */
export const ABNORMAL_REASONS = [
  'no_start',
  'no_end',
  'pile_offline',
  'phantom',
  'settlement_failed',
  'unknown_rider',
  'capped_duration',
  'capped_energy',
] as const
export type AbnormalReason = (typeof ABNORMAL_REASONS)[number]

export const ORDER_CHANNELS = ['card', 'app', 'ble', 'staff'] as const

export type OrderChannel = (typeof ORDER_CHANNELS)[number]

/** How a charge is to stop, as the rider (or the card default) chose it. */
export type ChargeDuration =
  { kind: 'hours'; hours: number } | { kind: 'full' } | { kind: 'amount'; fen: number }

/** Where the unused part of a pay-per-charge payment goes: 原路退回 or 退回余额. */
export type RestReturnedTo = 'original' | 'wallet'

/** Statuses of an order still charging, or waiting to, at the pile. */
export const OPEN_STATUSES = ['authorised', 'charging'] as const

/** What the pile claimed in its end record, kept when the platform billed less (billing_caps). */
export type EndClaimRecord = {
  startedAt: string | null
  endedAt: string | null
  durationSeconds: number | null
  energyWattHours: number
  maxPowerDeciwatts: number
  observedFrom: string | null
  observedUntil: string | null
  receivedAt: string
  toleranceSeconds: number
  capped: string[]
}

/** jsonb: written as JSON text, so an array would never go out as a PostgreSQL array. */
const json = { prepare: (value: unknown) => (value === null ? null : JSON.stringify(value)) }

/**
 * A charging order (订单): created by a card swipe, a remote start or a
 * charge the pile began on its own, billed from its end record and settled
 * into the wallet once. Money in fen; power in 0.1 W; energy in Wh. Its
 * status changes only through the charging units of app/services/orders;
 * see migrations 0100, 0140 and 0210.
 */
export default class ChargingOrder extends compose(
  BaseModel,
  TenantOwned,
  ProjectOwned,
  Timestamps
) {
  /** 16 ASCII characters: the DNY order-number field. */
  @column()
  declare orderNo: string

  @column()
  declare stationId: number

  @column()
  declare pileId: number

  /** Null while a card authorised without a port (OCPP Authorize) waits for its start. */
  @column()
  declare portNo: number | null

  // Copied at creation, so the list needs no joins and keeps what was true then.
  @column()
  declare vendorId: number

  @column()
  declare vendorName: string

  @column()
  declare deviceKey: string

  @column()
  declare riderId: number | null

  @column()
  declare cardNo: string | null

  @column()
  declare channel: OrderChannel

  @column()
  declare durationType: ChargeDuration['kind']

  @column()
  declare durationHours: number | null

  /** The most this order may bill: the prepaid amount, the fixed amount, or what the wallet allowed. */
  @column()
  declare capFen: number | null

  /** The rider's plan (套餐) that pays this charge; null when the wallet pays. */
  @column()
  declare riderPlanId: number | null

  /** 免费测试: staff's test charge, no rider and no money (migration 0335). */
  @column()
  declare freeTest: boolean

  @column()
  declare tariffId: number | null

  /** The tariff in force at creation, copied. */
  @column(json)
  declare tariff: Tariff

  @column()
  declare status: OrderStatus

  @column()
  declare abnormalReason: AbnormalReason | null

  @column.dateTime()
  declare abnormalAt: DateTime | null

  @column()
  declare cancelReason: string | null

  /** As the pile reported it. */
  @column.dateTime()
  declare startedAt: DateTime | null

  @column.dateTime()
  declare endedAt: DateTime | null

  /** Platform time the start was confirmed (see billing_caps). */
  @column.dateTime()
  declare startConfirmedAt: DateTime | null

  /** Platform time the charge was last seen running. */
  @column.dateTime()
  declare lastSeenAt: DateTime | null

  @column()
  declare maxDurationSeconds: number

  @column()
  declare durationSeconds: number

  @column()
  declare minutes: number

  @column()
  declare maxPowerDeciwatts: number

  @column()
  declare energyWh: number

  @column()
  declare meterStartWh: number | null

  @column()
  declare amountFen: number

  @column()
  declare rateFenPerHour: number | null

  @column(json)
  declare bill: Bill | null

  @column()
  declare stopReason: string | null

  @column()
  declare rawStopCode: string | null

  @column()
  declare transactionRef: string | null

  @column()
  declare sampleCount: number

  @column.dateTime()
  declare lastSampleAt: DateTime | null

  /** Since when a stop-when-full charge has drawn less than the full threshold. */
  @column.dateTime()
  declare lowPowerSince: DateTime | null

  @column.dateTime()
  declare stopRequestedAt: DateTime | null

  @column()
  declare startCommandId: number | null

  @column()
  declare ledgerEntryId: number | null

  /** The rider's coupon the settlement used (优惠券), and what it took off amountFen. */
  @column()
  declare riderCouponId: number | null

  @column()
  declare couponDiscountFen: number

  @column.dateTime()
  declare settledAt: DateTime | null

  @column()
  declare resolvedByStaffId: number | null

  @column()
  declare resolutionNote: string | null

  @column(json)
  declare endClaim: EndClaimRecord | null

  /** 扫码即充: the payment that prepaid this charge (its cap); null for a wallet-paid one. */
  @column()
  declare paymentOrderId: number | null

  /** What of the prepaid amount went back, once settled or failed (pay_per_charge.ts). */
  @column()
  declare restReturnedFen: number | null

  @column()
  declare restReturnedTo: RestReturnedTo | null

  /** Still charging, or waiting to, at the pile: staff or the rider may stop it. */
  get isOpen() {
    return (
      (OPEN_STATUSES as readonly string[]).includes(this.status) ||
      (this.status === 'abnormal' && this.endedAt === null)
    )
  }
}
