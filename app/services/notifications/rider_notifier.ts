import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import logger from '@adonisjs/core/services/logger'
import type { NoticeFields, NoticeKind } from '#sdk/contracts/notify'
import type TenantContext from '#core/tenancy/tenant_context'
import { heldOf } from '#core/wallet/wallet_holds'
import type { NotificationChannel } from '#models/rider_notification'
import { abnormalReasonText } from '#services/notifications/notice_texts'
import { dispatchNotifications } from '#services/notifications/notification_queue'

/*
| Who is told what, when a charge starts, settles or stops abnormally: the
| charging services call one function here after their transaction commits.
| A message is recorded once per order and kind (a unique key), queued, and
| sent by the worker (NotificationDelivery). Telling the rider never fails
| the charge: a problem here is logged and the charge goes on.
|
| Channel: WeChat template message when the rider signed in through the
| tenant's official account and a notify plugin is enabled; otherwise SMS,
| only for what the rider must know (the bill, an abnormal stop, low
| balance): each SMS costs the operator money, and the start is seen on the
| phone at the pile anyway.
*/

const SMS_KINDS: readonly NoticeKind[] = ['charge_finished', 'charge_abnormal', 'low_balance']
/** Messages per rider per hour; beyond, recorded as failed `rate_limited`, never sent. */
export const RIDER_HOURLY_LIMIT = 10
/** Abnormal stops the rider hears of (unknown riders have no one to tell). */
const TOLD_ABNORMAL = ['no_start', 'no_end', 'pile_offline', 'phantom', 'settlement_failed']

type OrderEvent = 'started' | 'settled' | 'abnormal'

interface OrderRow {
  order_no: string
  rider_id: number
  project_id: number
  status: string
  abnormal_reason: string | null
  abnormal_at: Date | null
  started_at: Date | null
  ended_at: Date | null
  created_at: Date
  minutes: number
  energy_wh: number
  amount_fen: number
  coupon_discount_fen: number
  port_no: number | null
  pile_name: string
  station_name: string
}

interface Candidate {
  riderId: number
  projectId: number
  orderNo: string
  kind: NoticeKind
  fields: NoticeFields[NoticeKind]
}

const iso = (value: Date | null, fallback: Date) => (value ?? fallback).toISOString()

/** 充电开始: the pile confirmed the start of a rider's order. */
export function notifyChargeStarted(tenant: TenantContext, orderNo: string) {
  return notifyOrders(tenant, [orderNo], 'started')
}

/** 充电结束: the order settled; the bill, and low balance once per crossing. */
export function notifyOrderSettled(tenant: TenantContext, orderNo: string) {
  return notifyOrders(tenant, [orderNo], 'settled')
}

/** 异常停止: orders the platform marked abnormal. */
export function notifyChargesAbnormal(tenant: TenantContext, orderNos: string[]) {
  return notifyOrders(tenant, orderNos, 'abnormal')
}

async function notifyOrders(tenant: TenantContext, orderNos: string[], event: OrderEvent) {
  if (!orderNos.length) return
  try {
    const ids = await tenant.run((trx) => record(tenant, trx, orderNos, event))
    await dispatchNotifications(tenant.tenantId, ids)
  } catch (error) {
    logger.warn({ err: error, tenantId: tenant.tenantId, orderNos, event }, 'rider not notified')
  }
}

async function record(
  tenant: TenantContext,
  trx: TransactionClientContract,
  orderNos: string[],
  event: OrderEvent
) {
  const orders: OrderRow[] = await trx
    .from('charging_orders as o')
    .join('piles as p', 'p.id', 'o.pile_id')
    .join('stations as s', 's.id', 'o.station_id')
    .where('o.tenant_id', tenant.tenantId)
    .whereIn('o.order_no', orderNos)
    .whereNotNull('o.rider_id')
    .select('o.*', 'p.name as pile_name', 's.name as station_name')
  const ids: number[] = []
  for (const order of orders) {
    for (const candidate of await candidates(tenant, trx, order, event)) {
      const id = await insert(tenant, trx, candidate)
      if (id !== null) ids.push(id)
    }
  }
  return ids
}

function place(order: OrderRow) {
  return `${order.station_name} ${order.pile_name}${order.port_no ? ` ${order.port_no}号口` : ''}`
}

async function candidates(
  tenant: TenantContext,
  trx: TransactionClientContract,
  order: OrderRow,
  event: OrderEvent
): Promise<Candidate[]> {
  const base = { riderId: order.rider_id, projectId: order.project_id, orderNo: order.order_no }
  if (event === 'started' && order.status === 'charging') {
    const fields: NoticeFields['charge_started'] = {
      orderNo: order.order_no,
      place: place(order),
      startedAt: iso(order.started_at, order.created_at),
    }
    return [{ ...base, kind: 'charge_started', fields }]
  }
  if (event === 'abnormal' && order.status === 'abnormal') {
    const reason = order.abnormal_reason ?? ''
    if (!TOLD_ABNORMAL.includes(reason)) return []
    const fields: NoticeFields['charge_abnormal'] = {
      orderNo: order.order_no,
      place: place(order),
      at: iso(order.abnormal_at, new Date()),
      reason,
      reasonText: abnormalReasonText(reason),
    }
    return [{ ...base, kind: 'charge_abnormal', fields }]
  }
  if (event !== 'settled' || order.status !== 'settled') return []

  const balance = await availableBalance(tenant, trx, order.rider_id)
  // What the wallet paid: the bill less the coupon's discount.
  const paid = order.amount_fen - (order.coupon_discount_fen ?? 0)
  const finished: NoticeFields['charge_finished'] = {
    orderNo: order.order_no,
    place: place(order),
    endedAt: iso(order.ended_at, new Date()),
    minutes: order.minutes,
    energyWh: order.energy_wh,
    amountFen: paid,
    balanceFen: balance,
  }
  const found: Candidate[] = [{ ...base, kind: 'charge_finished', fields: finished }]
  const tenantRow = await trx
    .from('tenants')
    .where('id', tenant.tenantId)
    .select('low_balance_notice_fen')
    .first()
  const threshold = Number(tenantRow?.low_balance_notice_fen ?? 200)
  // Once per crossing: only the settlement that took the balance from at or above to under it.
  if (balance < threshold && balance + paid >= threshold) {
    const low: NoticeFields['low_balance'] = { balanceFen: balance, thresholdFen: threshold }
    found.push({ ...base, kind: 'low_balance', fields: low })
  }
  return found
}

/** The rider's balance, real and bonus, less what open charges hold. */
async function availableBalance(
  tenant: TenantContext,
  trx: TransactionClientContract,
  riderId: number
) {
  const wallet = await trx
    .from('wallets')
    .where({ tenant_id: tenant.tenantId, rider_id: riderId })
    .select('real_balance', 'bonus_balance')
    .first()
  const held = await heldOf(tenant, trx, riderId)
  return (
    Number(wallet?.real_balance ?? 0) + Number(wallet?.bonus_balance ?? 0) - held.real - held.bonus
  )
}

/** The channel a rider is reached on for `kind`, or null: not told. */
async function channelFor(
  tenant: TenantContext,
  trx: TransactionClientContract,
  candidate: Candidate
): Promise<NotificationChannel | null> {
  const identity = await trx
    .from('rider_identities')
    .where({ tenant_id: tenant.tenantId, rider_id: candidate.riderId, provider: 'wechat' })
    .first()
  if (identity) {
    const plugin = await trx
      .from('tenant_plugins')
      .where({ tenant_id: tenant.tenantId, kind: 'notify', enabled: true })
      .where((scope) => scope.whereNull('project_id').orWhere('project_id', candidate.projectId))
      .first()
    if (plugin) return 'wechat'
  }
  if (!SMS_KINDS.includes(candidate.kind)) return null
  // A WeChat or Alipay guest (游客) has no phone until bound: nothing to text.
  const rider = await trx
    .from('riders')
    .where({ tenant_id: tenant.tenantId, id: candidate.riderId })
    .select('phone')
    .first()
  return rider?.phone ? 'sms' : null
}

/** Records the message once per order and kind: its id when new and to be sent, else null. */
async function insert(tenant: TenantContext, trx: TransactionClientContract, candidate: Candidate) {
  const channel = await channelFor(tenant, trx, candidate)
  if (!channel) return null
  // One rider's messages are counted one at a time, so the hourly bound holds.
  await trx.rawQuery('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [
    `notify:${tenant.tenantId}:${candidate.riderId}`,
  ])
  const now = new Date()
  const [{ count }] = await trx
    .from('rider_notifications')
    .where({ tenant_id: tenant.tenantId, rider_id: candidate.riderId })
    .where('created_at', '>', new Date(now.getTime() - 3600_000))
    .count('* as count')
  const limited = Number(count) >= RIDER_HOURLY_LIMIT
  const inserted = await trx.rawQuery(
    `INSERT INTO rider_notifications
       (tenant_id, rider_id, kind, channel, order_no, fields, status, error_code, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, NULLIF(?, ''), ?, ?)
     ON CONFLICT (tenant_id, order_no, kind) DO NOTHING
     RETURNING id`,
    [
      tenant.tenantId,
      candidate.riderId,
      candidate.kind,
      channel,
      candidate.orderNo,
      JSON.stringify(candidate.fields),
      limited ? 'failed' : 'pending',
      limited ? 'rate_limited' : '',
      now,
      now,
    ]
  )
  const row = inserted.rows[0]
  return row && !limited ? Number(row.id) : null
}
