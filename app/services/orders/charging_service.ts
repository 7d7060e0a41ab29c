import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type {
  VendorCardDecision,
  VendorChargeEnd,
  VendorChargeLimit,
  VendorStartFailure,
} from '#sdk/contracts/vendor'
import { dispatchDeviceCommand } from '#jobs/gateway_jobs'
import AuditService from '#core/audit/audit_service'
import CardService from '#services/cards/card_service'
import { normalizeCardNo } from '#services/cards/card_number'
import ChargingRefusal from '#services/orders/charging_refusal'
import { capEnd, type CappedEnd, type EndClaim, type Observation } from '#core/billing/billing_caps'
import { newOrderNumber } from '#services/orders/order_numbers'
import { DEFAULT_TARIFF, computeCharge, priceOfHours, type Tariff } from '#core/billing/tariff'
import type TenantContext from '#core/tenancy/tenant_context'
import WalletRefusal from '#core/wallet/wallet_refusal'
import WalletService from '#core/wallet/wallet_service'
import LiveEvents from '#core/live/live_events'

/** How a charge is to stop, as the rider (or the card default) chose it. */
export type ChargeDuration =
  { kind: 'hours'; hours: number } | { kind: 'full' } | { kind: 'amount'; fen: number }

export type OrderChannel = 'card' | 'app' | 'ble' | 'staff'

/** Meter samples kept per order: 5-minute DNY reports fill a day; faster piles stop being kept. */
export const MAX_SAMPLES = 300
/** Power under this (0.1 W) counts as nothing flowing: 10 W. */
export const IDLE_POWER_DECIWATTS = 100

type Pile = {
  id: number
  project_id: number
  station_id: number
  vendor_id: number
  vendor_name: string
  device_key: string
  status: 'active' | 'disabled'
  online: boolean
}

type OrderRow = {
  id: number
  order_no: string
  project_id: number
  pile_id: number
  /** Null while a card authorised without a port (OCPP Authorize) waits for its start. */
  port_no: number | null
  rider_id: number | null
  card_no: string | null
  status: string
  abnormal_reason: string | null
  tariff: Tariff
  cap_fen: number | null
  started_at: Date | null
  ended_at: Date | null
  /** Platform time the start was confirmed (see billing_caps). */
  start_confirmed_at: Date | null
  /** Platform time the charge was last seen running. */
  last_seen_at: Date | null
  created_at: Date
  max_power_deciwatts: number
  meter_start_wh: number | null
  sample_count: number
  amount_fen: number
  duration_type: ChargeDuration['kind']
  duration_hours: number | null
  max_duration_seconds: number
}

const OPEN = ['authorised', 'charging'] as const

/**
 * Charging orders: the gateway's sink reports swipes, starts, meter samples
 * and end records here (each in the pile's tenant, TenantContext.forJob),
 * and the APP and staff start and stop charges remotely.
 *
 * Money: an order bills from what the pile reports (computeCharge on the
 * tariff copied at creation), never above its cap nor above what the
 * platform observed of the charge (billing_caps.ts), and settles into the
 * ledger once: the deduction is keyed `order:<orderNo>:1`, and the order
 * row is locked while its end record is applied, so end records resent for
 * days or delivered twice at once post one deduction.
 *
 * Starting: nothing is held in the wallet. A start needs a spendable
 * balance (real + bonus + the project's overdraft limit) of at least one
 * fen and the tariff's minimum (the whole amount for a fixed-amount
 * charge); the order's cap is then the least of the duration's price (the
 * stop-when-full prepaid amount, the fixed amount, the top band's price of
 * the chosen hours) and that balance. So the bill never exceeds what the
 * wallet allowed at the start: the rest of a stop-when-full prepaid amount
 * simply stays the rider's.
 */
export default class ChargingService {
  constructor(
    protected wallet = new WalletService(),
    protected audit = new AuditService(),
    /** The platform's clock: what it observed, never a pile's claimed times. */
    protected now: () => Date = () => new Date()
  ) {}

  /**
   * 刷卡: a card swiped at a port. Authorised swipes open a stop-when-full
   * order. Without a port (OCPP Authorize names none) the order waits
   * portless; confirmStart gives it the port the charge starts on.
   */
  async authorizeCard(
    tenant: TenantContext,
    input: { pileId: number; portNo: number | null; cardNo: string; at: Date }
  ): Promise<VendorCardDecision> {
    const decision = await tenant.run(async (trx): Promise<VendorCardDecision> => {
      const pile = await this.#pile(tenant, trx, input.pileId)
      if (!pile || pile.status !== 'active') return { authorised: false, reason: 'unknown_pile' }
      const cardNo = normalizeCardNo(input.cardNo)
      // A pile asking again for a swipe it already had gets the same answer.
      const again = cardNo
        ? await trx
            .from('charging_orders')
            .where({ tenant_id: tenant.tenantId, pile_id: pile.id, port_no: input.portNo })
            .where({ status: 'authorised', card_no: cardNo, channel: 'card' })
            .orderBy('id', 'desc')
            .first()
        : null
      if (again) return this.#decision(again)

      if (input.portNo !== null) {
        const port = await this.#lockPort(tenant, trx, pile.id, input.portNo)
        if (
          !port ||
          port.state === 'fault' ||
          (await this.#portTaken(tenant, trx, pile.id, input.portNo))
        ) {
          // The contract has no separate reason for a faulted or missing port.
          return { authorised: false, reason: 'port_busy' }
        }
      }
      const swipe = await new CardService(tenant, this.audit).authorizeSwipe(
        tenant,
        trx,
        input.cardNo
      )
      if (!swipe.ok) {
        const reasons = {
          unknown: 'unknown_card',
          lost: 'lost_card',
          voided: 'lost_card',
          frozen: 'frozen',
        } as const
        return { authorised: false, reason: reasons[swipe.reason] }
      }
      const tariff = await this.#tariff(tenant, trx, pile.project_id)
      const cap = await this.#cap(tenant, trx, swipe.rider.id, pile.project_id, tariff, {
        kind: 'full',
      })
      if (cap === null) return { authorised: false, reason: 'insufficient_balance' }
      const order = await this.#createOrder(tenant, trx, {
        pile,
        portNo: input.portNo,
        riderId: swipe.rider.id,
        cardNo: swipe.card.cardNo,
        channel: 'card',
        duration: { kind: 'full' },
        cap,
        tariff,
        status: 'authorised',
        at: input.at,
      })
      return this.#decision(order)
    })
    if (decision.authorised) await LiveEvents.ordersChanged(tenant.tenantId, [decision.orderNo])
    return decision
  }

  /**
   * The pile started a charge: after a swipe or a remote start (our order
   * number, or the open order of the port), on an OCPP idTag never
   * authorised before (checked now), or on its own (BLE/offline: an order
   * of channel `ble`, settled later only if a rider is known).
   */
  async confirmStart(
    tenant: TenantContext,
    input: {
      pileId: number
      portNo: number
      orderNo: string | null
      transactionRef?: string | null
      idTag?: string | null
      meterStartWattHours?: number | null
      at: Date
    }
  ): Promise<{ orderNo: string; accepted: boolean }> {
    const started = await tenant.run(async (trx) => {
      const pile = await this.#pile(tenant, trx, input.pileId)
      if (!pile) throw new ChargingRefusal('pileNotFound')
      await this.#serializePort(trx, pile.id, input.portNo)
      const cardNo = input.idTag ? normalizeCardNo(input.idTag) : null
      let order = await this.#findOrder(tenant, trx, pile.id, input)
      order ??= await this.#openOrder(tenant, trx, pile.id, input.portNo, ['authorised'], cardNo)
      if (order) {
        if (order.status === 'cancelled' || order.status === 'refunded') {
          return { orderNo: order.order_no, accepted: false }
        }
        if (order.status === 'authorised' || order.abnormal_reason === 'no_start') {
          await trx
            .from('charging_orders')
            .where('id', order.id)
            .update({
              status: 'charging',
              abnormal_reason: null,
              abnormal_at: null,
              port_no: input.portNo,
              started_at: input.at,
              start_confirmed_at: this.now(),
              last_seen_at: this.now(),
              transaction_ref: input.transactionRef ?? trx.raw('transaction_ref'),
              meter_start_wh: input.meterStartWattHours ?? null,
              updated_at: new Date(),
            })
          await this.#holdPort(trx, pile.id, input.portNo, order.order_no)
        }
        return { orderNo: order.order_no, accepted: true }
      }

      const tariff = await this.#tariff(tenant, trx, pile.project_id)
      const base = {
        pile,
        portNo: input.portNo,
        tariff,
        at: input.at,
        transactionRef: input.transactionRef ?? input.orderNo ?? null,
        meterStartWattHours: input.meterStartWattHours ?? null,
        confirmed: true,
      }
      if (input.idTag) {
        const swipe = await new CardService(tenant, this.audit).authorizeSwipe(
          tenant,
          trx,
          input.idTag
        )
        const cap = swipe.ok
          ? await this.#cap(tenant, trx, swipe.rider.id, pile.project_id, tariff, { kind: 'full' })
          : null
        const refusal = swipe.ok ? (cap === null ? 'insufficient_balance' : null) : swipe.reason
        // Kept as a cancelled order, so staff see what the pile tried.
        const created = await this.#createOrder(tenant, trx, {
          ...base,
          riderId: swipe.ok ? swipe.rider.id : null,
          cardNo: cardNo ?? input.idTag.slice(0, 32),
          channel: 'card',
          duration: { kind: 'full' },
          cap,
          status: refusal ? 'cancelled' : 'charging',
          cancelReason: refusal,
        })
        if (!refusal) await this.#holdPort(trx, pile.id, input.portNo, created.order_no)
        return { orderNo: created.order_no, accepted: !refusal }
      }
      const created = await this.#createOrder(tenant, trx, {
        ...base,
        riderId: null,
        cardNo: null,
        channel: 'ble',
        duration: { kind: 'full' },
        cap: null,
        status: 'charging',
      })
      await this.#holdPort(trx, pile.id, input.portNo, created.order_no)
      return { orderNo: created.order_no, accepted: true }
    })
    await LiveEvents.ordersChanged(tenant.tenantId, [started.orderNo])
    return started
  }

  /**
   * The pile refused or failed a start: the waiting order (our number, else
   * the port's newest authorised one) is cancelled with the pile's reason.
   * Nothing is held in the wallet at a start, so nothing is posted; a repeat
   * finds the order cancelled and changes nothing.
   */
  async startFailed(
    tenant: TenantContext,
    input: {
      pileId: number
      portNo: number
      orderNo: string | null
      reason: VendorStartFailure
      at: Date
    }
  ): Promise<{ orderNo: string | null; cancelled: boolean }> {
    const failed = await tenant.run(async (trx) => {
      await this.#serializePort(trx, input.pileId, input.portNo)
      const order =
        (input.orderNo
          ? await this.#findOrder(tenant, trx, input.pileId, { orderNo: input.orderNo }, true)
          : null) ??
        (await this.#openOrder(tenant, trx, input.pileId, input.portNo, ['authorised'], null, true))
      if (!order) return { orderNo: input.orderNo, cancelled: false }
      const waiting =
        order.status === 'authorised' ||
        (order.status === 'abnormal' && order.abnormal_reason === 'no_start')
      if (!waiting) return { orderNo: order.order_no, cancelled: false }
      await trx
        .from('charging_orders')
        .where('id', order.id)
        .update({
          status: 'cancelled',
          cancel_reason: startFailureReason(input.reason),
          abnormal_reason: null,
          abnormal_at: null,
          updated_at: new Date(),
        })
      await this.#releasePort(trx, input.pileId, input.portNo, order.order_no)
      return { orderNo: order.order_no, cancelled: true }
    })
    if (failed.cancelled) await LiveEvents.ordersChanged(tenant.tenantId, [failed.orderNo])
    return failed
  }

  /**
   * Whether a meter sample may touch an order: one statement, no tenant
   * transaction, so the samples of idle ports (most of them) cost one round
   * trip. It answers yes for every sample recordMeter would apply (an open
   * order named by the sample or open on its port), and may answer yes for
   * more; recordMeter decides. The pile was found by the gateway through the
   * owner connection, and this reads through it too, filtered to the pile's
   * tenant, returning no row of it.
   */
  async meterMayApply(
    tenantId: number,
    input: {
      pileId: number
      portNo: number
      orderNo: string | null
      transactionRef?: string | null
    }
  ): Promise<boolean> {
    const refs = [input.orderNo, input.transactionRef].filter((ref): ref is string => Boolean(ref))
    const found = await db
      .connection('owner')
      .from('charging_orders')
      .where({ tenant_id: tenantId, pile_id: input.pileId })
      .where((scope) => {
        scope.where((port) => port.where('port_no', input.portNo).whereIn('status', [...OPEN]))
        if (refs.length > 0) {
          scope.orWhere((named) =>
            named
              .whereIn('status', ['authorised', 'charging', 'abnormal'])
              .whereNull('ended_at')
              .where((ref) => ref.whereIn('order_no', refs).orWhereIn('transaction_ref', refs))
          )
        }
      })
      .select(db.raw('1'))
      .first()
    return Boolean(found)
  }

  /**
   * A meter sample: the order's highest power and energy so far, a kept
   * sample (up to MAX_SAMPLES), and for stop-when-full charges since when
   * power stays under the full threshold (the watchdog stops them).
   * `energyWattHours` is the session's energy, or the meter register when
   * the start reported one (then the start reading is taken off).
   */
  async recordMeter(
    tenant: TenantContext,
    input: {
      pileId: number
      portNo: number
      orderNo: string | null
      transactionRef?: string | null
      powerDeciwatts: number
      energyWattHours?: number | null
      at: Date
    }
  ): Promise<void> {
    await tenant.run(async (trx) => {
      const order =
        (await this.#findOrder(tenant, trx, input.pileId, input)) ??
        (await this.#openOrder(tenant, trx, input.pileId, input.portNo, OPEN, null))
      if (!order || !['authorised', 'charging', 'abnormal'].includes(order.status)) return
      if (order.ended_at) return
      const power = Math.max(0, Math.trunc(input.powerDeciwatts))
      const energy =
        input.energyWattHours === null || input.energyWattHours === undefined
          ? null
          : Math.max(0, Math.trunc(input.energyWattHours) - (order.meter_start_wh ?? 0))
      const maxPower = Math.max(order.max_power_deciwatts, power)
      const low = maxPower >= IDLE_POWER_DECIWATTS * 2 && power < fullThreshold(maxPower)
      await trx
        .from('charging_orders')
        .where('id', order.id)
        .update({
          // Power flowing means the charge started, even if its confirmation was lost.
          ...(order.status === 'authorised' && power > 0
            ? { status: 'charging', started_at: input.at, start_confirmed_at: this.now() }
            : {}),
          last_seen_at: this.now(),
          max_power_deciwatts: maxPower,
          ...(energy === null ? {} : { energy_wh: trx.raw('GREATEST(energy_wh, ?)', [energy]) }),
          last_sample_at: input.at,
          low_power_since: low ? trx.raw('COALESCE(low_power_since, ?)', [input.at]) : null,
          sample_count: Math.min(order.sample_count + 1, MAX_SAMPLES),
          updated_at: new Date(),
        })
      if (order.sample_count < MAX_SAMPLES) {
        await trx.table('charging_meter_samples').insert({
          tenant_id: tenant.tenantId,
          order_id: order.id,
          at: input.at,
          power_deciwatts: power,
          energy_wh: energy,
        })
      }
    })
  }

  /**
   * The end record (结算): billed once and settled once however often the
   * pile resends it. An end for an order we never saw is recorded as a BLE
   * order; without a rider it waits in 异常订单.
   */
  async settleEnd(
    tenant: TenantContext,
    input: VendorChargeEnd & { pileId: number }
  ): Promise<{ orderNo: string | null; settled: boolean }> {
    const recorded = await tenant.run(async (trx) => {
      const pile = await this.#pile(tenant, trx, input.pileId)
      if (!pile) return null
      await this.#serializePort(trx, pile.id, input.portNo)
      const arrivedAt = this.now()
      let order =
        (await this.#findOrder(tenant, trx, pile.id, input, true)) ??
        (await this.#openOrder(tenant, trx, pile.id, input.portNo, OPEN, null, true))
      const seenBefore = order !== null
      if (!order) {
        const endedAt = new Date(Math.min(input.endedAt.getTime(), arrivedAt.getTime()))
        order = await this.#createOrder(tenant, trx, {
          pile,
          portNo: input.portNo,
          riderId: null,
          cardNo: null,
          channel: 'ble',
          duration: { kind: 'full' },
          cap: null,
          tariff: await this.#tariff(tenant, trx, pile.project_id),
          status: 'charging',
          at: new Date(
            Math.min(
              (input.startedAt ?? endedAt).getTime() -
                (input.startedAt ? 0 : (input.durationSeconds ?? 0) * 1000),
              endedAt.getTime()
            )
          ),
          transactionRef: input.transactionRef ?? input.orderNo ?? null,
        })
      }
      if (order.ended_at || ['cancelled', 'refunded', 'settled'].includes(order.status)) {
        return order
      }
      const claim = {
        startedAt: order.started_at ? new Date(order.started_at) : (input.startedAt ?? null),
        endedAt: input.endedAt,
        durationSeconds: input.durationSeconds,
        energyWattHours: endEnergy(input, order.meter_start_wh),
        maxPowerDeciwatts: Math.max(order.max_power_deciwatts, input.maxPowerDeciwatts ?? 0),
      }
      const seen = seenBefore
        ? await this.#observed(tenant, trx, order, arrivedAt)
        : { openedAt: null, lastSeenAt: null, arrivedAt }
      const end = capEnd(claim, seen)
      const usage = {
        durationSeconds: end.durationSeconds,
        energyWattHours: end.energyWattHours,
        maxPowerDeciwatts: end.maxPowerDeciwatts,
      }
      const bill = computeCharge(order.tariff, usage, order.cap_fen)
      const phantom =
        bill.amountFen > 0 &&
        usage.energyWattHours <= 0 &&
        usage.maxPowerDeciwatts < IDLE_POWER_DECIWATTS
      // Unknown riders and phantoms wait for staff; a capped order settles and is listed for review.
      const blocking = order.rider_id === null ? 'unknown_rider' : phantom ? 'phantom' : null
      const reason = blocking ?? end.capped[0] ?? null
      const corrected = end.capped.length > 0 || end.endMoved
      const [updated] = await trx
        .from('charging_orders')
        .where('id', order.id)
        .update({
          status: blocking ? 'abnormal' : 'ended',
          abnormal_reason: reason,
          abnormal_at: reason ? arrivedAt : null,
          started_at: end.startedAt,
          ended_at: end.endedAt,
          duration_seconds: end.durationSeconds,
          minutes: bill.minutes,
          energy_wh: usage.energyWattHours,
          max_power_deciwatts: usage.maxPowerDeciwatts,
          amount_fen: bill.amountFen,
          rate_fen_per_hour: bill.rateFenPerHour,
          bill: JSON.stringify(bill),
          stop_reason: input.stopReason,
          raw_stop_code: input.rawStopCode ?? null,
          transaction_ref: input.transactionRef ?? trx.raw('transaction_ref'),
          low_power_since: null,
          end_claim: corrected ? JSON.stringify(endClaimRecord(claim, seen, end)) : null,
          updated_at: arrivedAt,
        })
        .returning('*')
      await this.#releasePort(trx, pile.id, order.port_no ?? input.portNo, order.order_no)
      return updated as OrderRow
    })
    if (!recorded) return { orderNo: input.orderNo, settled: false }
    if (recorded.status === 'ended') return this.settle(tenant, recorded.order_no)
    await LiveEvents.ordersChanged(tenant.tenantId, [recorded.order_no])
    return {
      orderNo: recorded.order_no,
      settled: ['settled', 'refunded'].includes(recorded.status),
    }
  }

  /**
   * Posts an ended order's deduction and marks it settled, in one
   * transaction. A wallet that refuses (frozen since, overdrawn by another
   * order) sends the order to 异常订单 instead.
   */
  async settle(
    tenant: TenantContext,
    orderNo: string
  ): Promise<{ orderNo: string; settled: boolean }> {
    try {
      const result = await tenant.run(async (trx) => {
        const order = await trx
          .from('charging_orders')
          .where({ tenant_id: tenant.tenantId, order_no: orderNo })
          .forUpdate()
          .first()
        if (order?.status !== 'ended') {
          return { orderNo, settled: ['settled', 'refunded'].includes(order?.status) }
        }
        const entry =
          order.amount_fen > 0 ? await this.#deduct(tenant, trx, order, order.amount_fen) : null
        await trx
          .from('charging_orders')
          .where('id', order.id)
          .update({
            status: 'settled',
            ledger_entry_id: entry?.id ?? null,
            settled_at: new Date(),
            updated_at: new Date(),
          })
        return { orderNo, settled: true }
      })
      await LiveEvents.ordersChanged(tenant.tenantId, [orderNo])
      return result
    } catch (error) {
      if (!(error instanceof WalletRefusal)) throw error
      await tenant.run((trx) =>
        trx
          .from('charging_orders')
          .where({ tenant_id: tenant.tenantId, order_no: orderNo, status: 'ended' })
          .update({
            status: 'abnormal',
            abnormal_reason: 'settlement_failed',
            abnormal_at: new Date(),
            resolution_note: error.reason,
            updated_at: new Date(),
          })
      )
      await LiveEvents.ordersChanged(tenant.tenantId, [orderNo])
      return { orderNo, settled: false }
    }
  }

  /** The pile dropped off mid-charge: its charging orders go to 异常订单 until an end record comes. */
  async pileWentOffline(tenant: TenantContext, pileId: number, at: Date): Promise<void> {
    const orders: { order_no: string }[] = await tenant.run((trx) =>
      trx
        .from('charging_orders')
        .where({ tenant_id: tenant.tenantId, pile_id: pileId, status: 'charging' })
        .update({
          status: 'abnormal',
          abnormal_reason: 'pile_offline',
          abnormal_at: at,
          updated_at: new Date(),
        })
        .returning('order_no')
    )
    await LiveEvents.ordersChanged(
      tenant.tenantId,
      orders.map((order) => order.order_no)
    )
  }

  /** APP or staff start a charge: an authorised order and a `start` command for the gateway. */
  async startRemote(
    tenant: TenantContext,
    input: {
      pileId: number
      portNo: number
      riderId: number
      durationType: ChargeDuration
      channel: 'app' | 'staff'
    }
  ): Promise<{ orderNo: string; commandId: number }> {
    const started = await tenant.run(async (trx) => {
      const pile = await this.#pile(tenant, trx, input.pileId)
      if (!pile || !tenant.canSeeProject(pile.project_id)) throw new ChargingRefusal('pileNotFound')
      if (pile.status !== 'active') throw new ChargingRefusal('pileDisabled')
      if (!pile.online) throw new ChargingRefusal('pileOffline')
      const port = await this.#lockPort(tenant, trx, pile.id, input.portNo)
      if (!port) throw new ChargingRefusal('portNotFound')
      if (port.state === 'fault') throw new ChargingRefusal('portFault')
      if (
        port.state === 'charging' ||
        (await this.#portTaken(tenant, trx, pile.id, input.portNo))
      ) {
        throw new ChargingRefusal('portBusy')
      }
      const rider = await trx
        .from('riders')
        .where({ tenant_id: tenant.tenantId, id: input.riderId })
        .first()
      if (!rider) throw new ChargingRefusal('riderNotFound')
      if (rider.status === 'frozen') throw new ChargingRefusal('riderFrozen')
      const tariff = await this.#tariff(tenant, trx, pile.project_id)
      const cap = await this.#cap(
        tenant,
        trx,
        rider.id,
        pile.project_id,
        tariff,
        input.durationType
      )
      if (cap === null) throw new ChargingRefusal('insufficientBalance')
      const order = await this.#createOrder(tenant, trx, {
        pile,
        portNo: input.portNo,
        riderId: rider.id,
        cardNo: null,
        channel: input.channel,
        duration: input.durationType,
        cap,
        tariff,
        status: 'authorised',
        at: new Date(),
      })
      const decision = this.#decision(order)
      const commandId = await this.#command(tenant, trx, pile, input.portNo, 'start', {
        orderNo: order.order_no,
        limit: decision.limit,
        maxDurationSeconds: decision.maxDurationSeconds,
        balanceFen: decision.balanceFen,
      })
      await trx
        .from('charging_orders')
        .where('id', order.id)
        .update({ start_command_id: commandId })
      if (tenant.staffId !== null) {
        await this.#record(tenant, trx, 'orders.remote_start', order, {
          commandId,
          duration: input.durationType,
          capFen: cap,
        })
      }
      return { orderNo: order.order_no, commandId }
    })
    await dispatchDeviceCommand(started.commandId)
    await LiveEvents.ordersChanged(tenant.tenantId, [started.orderNo])
    return started
  }

  /** Stops an open order's charge at the pile; the end record then settles it. */
  async stopRemote(
    tenant: TenantContext,
    input: { orderNo: string; reason: string }
  ): Promise<{ commandId: number }> {
    const commandId = await tenant.run(async (trx) => {
      const order = await trx
        .from('charging_orders')
        .where({ tenant_id: tenant.tenantId, order_no: input.orderNo })
        .forUpdate()
        .first()
      if (!order || !tenant.canSeeProject(order.project_id)) {
        throw new ChargingRefusal('orderNotFound')
      }
      const open = OPEN.includes(order.status) || (order.status === 'abnormal' && !order.ended_at)
      if (!open) throw new ChargingRefusal('orderNotOpen')
      const pile = (await this.#pile(tenant, trx, order.pile_id))!
      const id = await this.#command(tenant, trx, pile, order.port_no, 'stop', {
        orderNo: order.order_no,
        reason: input.reason,
      })
      await trx
        .from('charging_orders')
        .where('id', order.id)
        .update({ stop_requested_at: new Date(), updated_at: new Date() })
      if (tenant.staffId !== null) {
        await this.#record(tenant, trx, 'orders.remote_stop', order, {
          commandId: id,
          reason: input.reason,
        })
      }
      return id
    })
    await dispatchDeviceCommand(commandId)
    return { commandId }
  }

  /** The settlement posting of an order (the one key every path shares). */
  async #deduct(
    tenant: TenantContext,
    trx: TransactionClientContract,
    order: { order_no: string; rider_id: number | null; project_id: number; ended_at: Date | null },
    amount: number
  ) {
    if (order.rider_id === null) throw new ChargingRefusal('noRider')
    const { entry } = await this.wallet.postWithin(
      tenant,
      {
        type: 'charge_settlement',
        riderId: order.rider_id,
        projectId: order.project_id,
        amount,
        orderNo: order.order_no,
        idempotencyKey: `order:${order.order_no}:1`,
        occurredAt: order.ended_at ? DateTime.fromJSDate(new Date(order.ended_at)) : undefined,
      },
      trx
    )
    return entry
  }

  /** Exposed to staff resolution: the same posting, inside their transaction. */
  deductWithin(
    tenant: TenantContext,
    trx: TransactionClientContract,
    order: { order_no: string; rider_id: number | null; project_id: number; ended_at: Date | null },
    amount: number
  ) {
    return this.#deduct(tenant, trx, order, amount)
  }

  #decision(row: OrderRow): VendorCardDecision & { authorised: true } {
    const limit: VendorChargeLimit =
      row.duration_type === 'hours'
        ? { kind: 'duration', seconds: row.duration_hours! * 3600 }
        : row.duration_type === 'amount'
          ? { kind: 'amount', fen: row.cap_fen! }
          : { kind: 'full' }
    return {
      authorised: true,
      orderNo: row.order_no,
      // What this charge may spend, not the whole wallet.
      balanceFen: row.cap_fen ?? 0,
      limit,
      maxDurationSeconds: row.max_duration_seconds,
    }
  }

  /**
   * The platform's own observation of an order's charge (billing_caps): its
   * start confirmation (for a charge never confirmed, its authorisation),
   * the latest sample, and the port's status while the order held it.
   */
  async #observed(
    tenant: TenantContext,
    trx: TransactionClientContract,
    order: OrderRow,
    arrivedAt: Date
  ): Promise<Observation> {
    const openedAt = new Date(order.start_confirmed_at ?? order.created_at)
    const seen = [openedAt, ...(order.last_seen_at ? [new Date(order.last_seen_at)] : [])]
    const port =
      order.port_no === null
        ? null
        : await trx
            .from('pile_ports')
            .where({ tenant_id: tenant.tenantId, pile_id: order.pile_id, port_no: order.port_no })
            .where('current_order_no', order.order_no)
            .select('state', 'updated_at')
            .first()
    if (port && ['charging', 'full'].includes(port.state)) {
      seen.push(arrivedAt)
    } else if (port && port.state !== 'offline' && order.abnormal_reason !== 'pile_offline') {
      seen.push(new Date(port.updated_at))
    }
    return {
      openedAt,
      lastSeenAt: new Date(Math.max(...seen.map((at) => at.getTime()))),
      arrivedAt,
    }
  }

  async #pile(
    tenant: TenantContext,
    trx: TransactionClientContract,
    pileId: number
  ): Promise<Pile | null> {
    const pile = await trx
      .from('piles as p')
      .join('vendors as v', 'v.id', 'p.vendor_id')
      .where({ 'p.tenant_id': tenant.tenantId, 'p.id': pileId })
      .select(
        'p.id',
        'p.project_id',
        'p.station_id',
        'p.vendor_id',
        'v.name as vendor_name',
        'p.device_key',
        'p.status',
        'p.online'
      )
      .first()
    return pile ?? null
  }

  /**
   * Starts and ends of one port run one at a time (until commit), so two
   * copies of a record for an order we never saw open one order, not two.
   */
  #serializePort(trx: TransactionClientContract, pileId: number, portNo: number) {
    return trx.rawQuery(
      `SELECT pg_advisory_xact_lock(hashtext('charging-port:' || ? || ':' || ?))`,
      [pileId, portNo]
    )
  }

  /** The port row, locked: two starts on one port queue up here. */
  #lockPort(tenant: TenantContext, trx: TransactionClientContract, pileId: number, portNo: number) {
    return trx
      .from('pile_ports')
      .where({ tenant_id: tenant.tenantId, pile_id: pileId, port_no: portNo })
      .forUpdate()
      .first()
  }

  async #portTaken(
    tenant: TenantContext,
    trx: TransactionClientContract,
    pileId: number,
    portNo: number
  ) {
    return (await this.#openOrder(tenant, trx, pileId, portNo, OPEN, null)) !== null
  }

  #holdPort(trx: TransactionClientContract, pileId: number, portNo: number, orderNo: string) {
    return trx
      .from('pile_ports')
      .where({ pile_id: pileId, port_no: portNo })
      .update({ current_order_no: orderNo })
  }

  #releasePort(trx: TransactionClientContract, pileId: number, portNo: number, orderNo: string) {
    return trx
      .from('pile_ports')
      .where({ pile_id: pileId, port_no: portNo, current_order_no: orderNo })
      .update({ current_order_no: null })
  }

  /** An order named by our number or the pile's transaction reference. */
  async #findOrder(
    tenant: TenantContext,
    trx: TransactionClientContract,
    pileId: number,
    ref: { orderNo: string | null; transactionRef?: string | null },
    lock = false
  ): Promise<OrderRow | null> {
    const lookups: [string, string][] = []
    if (ref.orderNo) lookups.push(['order_no', ref.orderNo], ['transaction_ref', ref.orderNo])
    if (ref.transactionRef) lookups.push(['transaction_ref', ref.transactionRef])
    for (const [column, value] of lookups) {
      const query = trx
        .from('charging_orders')
        .where({ tenant_id: tenant.tenantId, pile_id: pileId, [column]: value })
        .orderBy('id', 'desc')
      if (lock) query.forUpdate()
      const found = await query.first()
      if (found) return found
    }
    return null
  }

  /** The newest open order of a port (optionally the card's). */
  async #openOrder(
    tenant: TenantContext,
    trx: TransactionClientContract,
    pileId: number,
    portNo: number,
    statuses: readonly string[],
    cardNo: string | null,
    lock = false
  ): Promise<OrderRow | null> {
    const query = trx
      .from('charging_orders')
      .where({ tenant_id: tenant.tenantId, pile_id: pileId })
      .whereIn('status', [...statuses])
      .orderBy('id', 'desc')
    if (cardNo) {
      // A card authorised without a port (OCPP) starts on whichever port the charge names.
      query.where((port) => port.where('port_no', portNo).orWhereNull('port_no'))
      query.where('card_no', cardNo)
    } else {
      query.where('port_no', portNo)
    }
    if (lock) query.forUpdate()
    return (await query.first()) ?? null
  }

  /** The project's tariff in force (its newest version), or the default one. */
  async #tariff(tenant: TenantContext, trx: TransactionClientContract, projectId: number) {
    const row = await trx
      .from('tariffs')
      .where({ tenant_id: tenant.tenantId, project_id: projectId })
      .orderBy('version', 'desc')
      .first()
    return row
      ? { id: row.id as number, rules: row.rules as Tariff }
      : { id: null, rules: DEFAULT_TARIFF }
  }

  /** What a charge of `duration` may bill, or null when the wallet cannot afford a start. */
  async #cap(
    tenant: TenantContext,
    trx: TransactionClientContract,
    riderId: number,
    projectId: number,
    tariff: { rules: Tariff },
    duration: ChargeDuration
  ): Promise<number | null> {
    const wallet = await trx
      .from('wallets')
      .where({ tenant_id: tenant.tenantId, rider_id: riderId })
      .first()
    const project = await trx
      .from('projects')
      .where('id', projectId)
      .select('overdraft_limit')
      .first()
    const spendable = Math.max(
      0,
      (wallet?.real_balance ?? 0) + (wallet?.bonus_balance ?? 0) + (project?.overdraft_limit ?? 0)
    )
    const wanted =
      duration.kind === 'full'
        ? tariff.rules.fullPrepaidFen
        : duration.kind === 'amount'
          ? duration.fen
          : priceOfHours(tariff.rules, duration.hours)
    const needed = duration.kind === 'amount' ? duration.fen : Math.max(1, tariff.rules.minimumFen)
    if (spendable < needed) return null
    return Math.min(wanted, spendable)
  }

  async #createOrder(
    tenant: TenantContext,
    trx: TransactionClientContract,
    input: {
      pile: Pile
      portNo: number | null
      riderId: number | null
      cardNo: string | null
      channel: OrderChannel
      duration: ChargeDuration
      cap: number | null
      tariff: { id: number | null; rules: Tariff }
      status: 'authorised' | 'charging' | 'cancelled'
      cancelReason?: string | null
      at: Date
      transactionRef?: string | null
      meterStartWattHours?: number | null
      /** The platform confirms the start now (not an order known only from its end record). */
      confirmed?: boolean
    }
  ): Promise<OrderRow> {
    const maxSeconds =
      input.duration.kind === 'hours'
        ? Math.min(input.duration.hours, input.tariff.rules.maxHours) * 3600
        : input.tariff.rules.maxHours * 3600
    for (let attempt = 0; ; attempt += 1) {
      const rows = await trx
        .knexQuery()
        .table('charging_orders')
        .insert({
          tenant_id: tenant.tenantId,
          order_no: newOrderNumber(),
          project_id: input.pile.project_id,
          station_id: input.pile.station_id,
          pile_id: input.pile.id,
          port_no: input.portNo,
          vendor_id: input.pile.vendor_id,
          vendor_name: input.pile.vendor_name,
          device_key: input.pile.device_key,
          rider_id: input.riderId,
          card_no: input.cardNo,
          channel: input.channel,
          duration_type: input.duration.kind,
          duration_hours: input.duration.kind === 'hours' ? input.duration.hours : null,
          cap_fen: input.cap,
          tariff_id: input.tariff.id,
          tariff: JSON.stringify(input.tariff.rules),
          status: input.status,
          cancel_reason: input.cancelReason ?? null,
          started_at: input.status === 'charging' ? input.at : null,
          start_confirmed_at: input.confirmed ? this.now() : null,
          last_seen_at: input.confirmed ? this.now() : null,
          max_duration_seconds: maxSeconds,
          transaction_ref: input.transactionRef ?? null,
          meter_start_wh: input.meterStartWattHours ?? null,
          created_at: input.at,
          updated_at: new Date(),
        })
        .onConflict('order_no')
        .ignore()
        .returning('*')
      // A random number taken already (one in 36^10 a day): draw again.
      if (rows.length > 0) return rows[0]
      if (attempt > 5) throw new Error('Could not draw a free order number')
    }
  }

  async #command(
    tenant: TenantContext,
    trx: TransactionClientContract,
    pile: Pile,
    portNo: number,
    command: 'start' | 'stop',
    parameters: Record<string, unknown>
  ): Promise<number> {
    const [row] = await trx
      .knexQuery()
      .table('device_commands')
      .insert({
        tenant_id: tenant.tenantId,
        project_id: pile.project_id,
        pile_id: pile.id,
        port_no: portNo,
        command,
        parameters: JSON.stringify(parameters),
        requested_by_staff_id: tenant.staffId,
        status: 'pending',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    return Number(row.id)
  }

  #record(
    tenant: TenantContext,
    trx: TransactionClientContract,
    action: string,
    order: { id: number; order_no: string; project_id: number },
    after: Record<string, unknown>
  ) {
    return this.audit.recordInContext(
      tenant,
      {
        action,
        projectId: order.project_id,
        target: { type: 'charging_order', id: order.id },
        before: null,
        after: { orderNo: order.order_no, ...after },
      },
      trx
    )
  }
}

/** What an order cancelled by the pile's start failure shows as its reason (charging.json `cancelReasons`). */
export function startFailureReason(reason: VendorStartFailure) {
  return `start_failed_${reason}`
}

/**
 * The energy of an end record: the pile's own session figure when it gives
 * one, else its end register minus the start reading stored with the order.
 */
export function endEnergy(
  end: Pick<VendorChargeEnd, 'energyWattHours' | 'meterStopWattHours'>,
  meterStartWattHours: number | null
) {
  if (end.energyWattHours !== null && end.energyWattHours !== undefined) {
    return Math.max(0, end.energyWattHours)
  }
  if (end.meterStopWattHours === null || end.meterStopWattHours === undefined) return 0
  if (meterStartWattHours === null) return 0
  return Math.max(0, end.meterStopWattHours - meterStartWattHours)
}

/**
 * A stop-when-full charge is full when its power falls under a fifth of the
 * highest it drew (a charger in float mode draws little), and never more
 * than 60 W: the common "full" threshold of e-bike piles.
 */
export function fullThreshold(maxPowerDeciwatts: number) {
  return Math.min(Math.floor(maxPowerDeciwatts / 5), 600)
}

/** What an order keeps of an end record the platform did not take as is, for staff to review. */
export function endClaimRecord(claim: EndClaim, seen: Observation, end: CappedEnd) {
  const iso = (at: Date | null) => (at ? at.toISOString() : null)
  return {
    startedAt: iso(claim.startedAt),
    endedAt: iso(claim.endedAt),
    durationSeconds: claim.durationSeconds,
    energyWattHours: claim.energyWattHours,
    maxPowerDeciwatts: claim.maxPowerDeciwatts,
    observedFrom: iso(seen.openedAt),
    observedUntil: iso(seen.lastSeenAt),
    receivedAt: iso(seen.arrivedAt),
    toleranceSeconds: end.toleranceSeconds,
    capped: end.capped,
  }
}
