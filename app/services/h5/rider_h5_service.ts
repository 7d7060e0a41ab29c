import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import AuditService, { type AuditRequestDetails } from '#core/audit/audit_service'
import type { ChargeDuration } from '#models/charging_order'
import ChargingRefusal from '#services/orders/charging_refusal'
import RemoteControl from '#services/orders/remote_control'
import { DEFAULT_TARIFF, computeCharge, type Bill, type Tariff } from '#core/billing/tariff'
import H5Refusal from '#services/h5/h5_refusal'
import RiderSignInGuard, { type SendAttempt } from '#services/h5/rider_sign_in_guard'
import VerificationCodeService, {
  SmsCodeRefused,
  showsSmsCodes,
} from '#core/sms/verification_code_service'
import TenantContext from '#core/tenancy/tenant_context'

export const H5_LOGIN_PURPOSE = 'rider_login'

/** What the rider's session cookie holds: one tenant (the pile's), one rider. */
export type H5Rider = { tenantId: number; riderId: number; projectId: number }

/** A port found by its QR code: the tenant it belongs to and where. */
export type H5Place = { tenantId: number; projectId: number; pileId: number; portNo: number }

// Type aliases, not interfaces: Inertia props must be plain JSON types.
export type H5Port = {
  code: string
  portNo: number
  stationName: string
  stationAddress: string | null
  pileName: string
  pileOnline: boolean
  pileActive: boolean
  portState: string
  powerWatts: number
  tariff: Tariff
}

export type H5Me = {
  name: string
  phone: string
  frozen: boolean
  realBalance: number
  bonusBalance: number
}

export type H5Order = {
  orderNo: string
  status: string
  abnormalReason: string | null
  stationName: string
  pileName: string
  /** Null until the pile says which port a card charge started on. */
  portNo: number | null
  durationType: ChargeDuration['kind']
  durationHours: number | null
  capFen: number | null
  createdAt: string
  startedAt: string | null
  endedAt: string | null
  minutes: number
  powerWatts: number
  maxPowerWatts: number
  energyWh: number
  /** The settled amount, or what the charge costs so far. */
  amountFen: number
  stopRequested: boolean
  stopReason: string | null
  cancelReason: string | null
  bill: Bill | null
}

export type H5RefundRequest = {
  id: number
  amount: number
  reason: string
  status: 'pending' | 'approved' | 'rejected'
  decisionNote: string | null
  createdAt: string
  decidedAt: string | null
}

const iso = (value: Date | null) => (value ? DateTime.fromJSDate(value).toUTC().toISO()! : null)

function isUniqueViolation(error: unknown) {
  return (error as { code?: string }).code === '23505'
}

/**
 * The rider H5 (the APP channel): a port found by its QR code, sign-in by
 * SMS code (opening a 线上 account for a new phone), starting and stopping
 * a charge through the charging service, the rider's orders and bills, and
 * refund requests for staff to approve.
 *
 * Every call runs in the tenant of the pile or of the rider's session; a
 * rider only ever reads rows carrying their own rider id.
 */
export default class RiderH5Service {
  constructor(
    protected remote = new RemoteControl(),
    protected audit = new AuditService(),
    protected guard = new RiderSignInGuard()
  ) {}

  /**
   * The port of a QR code, platform-wide (before any tenant is known, so
   * through the owner connection); null for an unknown code or port, a
   * disabled pile or a suspended tenant.
   */
  async findPlace(code: string, portNo: number): Promise<H5Place | null> {
    if (!/^[0-9a-z]{4,16}$/.test(code) || !Number.isSafeInteger(portNo)) return null
    const row = await db
      .connection('owner')
      .from('piles as p')
      .join('tenants as t', 't.id', 'p.tenant_id')
      .join('pile_ports as pp', (join) =>
        join.on('pp.pile_id', 'p.id').andOnVal('pp.port_no', portNo)
      )
      .where('p.public_code', code)
      .where('t.status', 'active')
      .select('p.id', 'p.tenant_id', 'p.project_id')
      .first()
    return row
      ? { tenantId: row.tenant_id, projectId: row.project_id, pileId: row.id, portNo }
      : null
  }

  /** The context a rider's request runs in: their tenant, audited as them. */
  async contextFor(rider: H5Rider, request: AuditRequestDetails | null) {
    const found = await TenantContext.forJob(rider.tenantId).run((trx) =>
      trx
        .from('riders')
        .where({ tenant_id: rider.tenantId, id: rider.riderId })
        .select('name', 'phone')
        .first()
    )
    if (!found) return null
    return new TenantContext(rider.tenantId, null, null, new Set(), {
      // Riders are no staff: the audit log names them by phone.
      actor: { staffId: null, account: found.phone, name: found.name },
      request,
    })
  }

  port(place: H5Place, code: string): Promise<H5Port> {
    const tenant = TenantContext.forJob(place.tenantId)
    return tenant.run(async (trx) => {
      const row = await trx
        .from('piles as p')
        .join('stations as s', 's.id', 'p.station_id')
        .join('pile_ports as pp', 'pp.pile_id', 'p.id')
        .where({ 'p.id': place.pileId, 'pp.port_no': place.portNo })
        .select(
          's.name as station_name',
          's.address',
          'p.name as pile_name',
          'p.online',
          'p.status',
          'pp.state',
          'pp.current_power_deciwatts'
        )
        .firstOrFail()
      return {
        code,
        portNo: place.portNo,
        stationName: row.station_name,
        stationAddress: row.address,
        pileName: row.pile_name,
        pileOnline: row.online,
        pileActive: row.status === 'active',
        portState: row.state,
        powerWatts: Math.round(row.current_power_deciwatts / 10),
        tariff: await this.#tariff(trx, place.projectId),
      }
    })
  }

  /** The rider's own open order on this port, if any (to go back to its live page). */
  openOrderOn(rider: H5Rider, place: H5Place) {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const row = await trx
        .from('charging_orders')
        .where({ pile_id: place.pileId, port_no: place.portNo, rider_id: rider.riderId })
        .whereIn('status', ['authorised', 'charging'])
        .orderBy('id', 'desc')
        .select('order_no')
        .first()
      return (row?.order_no as string | undefined) ?? null
    })
  }

  /** Whether the port page asks for an image captcha with the next code. */
  captchaRequired(ip: string) {
    return this.guard.captchaRequired(ip)
  }

  /**
   * Sends a sign-in code within the sign-in limits. The answer is the same
   * whether or not the phone has an account; the code itself only under
   * the development flag (see showsSmsCodes).
   */
  async sendCode(place: H5Place, phone: string, attempt: Omit<SendAttempt, 'pileId' | 'phone'>) {
    await this.guard.admitSend({ ...attempt, pileId: place.pileId, phone })
    const tenant = TenantContext.forJob(place.tenantId)
    const codes = await this.#codes()
    await codes.issue(tenant, phone, H5_LOGIN_PURPOSE, place.projectId)
    const delivered = showsSmsCodes()
      ? await codes.lastDelivered(tenant, phone, place.projectId)
      : null
    return { devCode: delivered?.code ?? null }
  }

  /**
   * Signs a rider in by the code; a phone new to the tenant opens a 线上
   * account named `name`. The code is checked before anything is answered,
   * so a wrong code reads the same for any phone; only a right code for a
   * new phone without a name gets `nameRequired`, its code left unspent for
   * the retry with the name. Wrong codes count per phone and per IP.
   */
  async logIn(
    place: H5Place,
    input: { phone: string; code: string; name?: string | null },
    request: AuditRequestDetails | null,
    ip: string
  ): Promise<H5Rider | 'nameRequired'> {
    const attempt = { ip, tenantId: place.tenantId, phone: input.phone }
    await this.guard.admitCode(attempt)
    const system = TenantContext.forJob(place.tenantId)
    // Read on every path (the code decides whether to spend it), answered on none before the check.
    const existing = await this.#riderByPhone(system, input.phone)
    const codes = await this.#codes()
    try {
      await codes.verify(system, input.phone, H5_LOGIN_PURPOSE, input.code, {
        spend: existing !== null || Boolean(input.name),
      })
    } catch (error) {
      if (error instanceof SmsCodeRefused) await this.guard.wrongCode(attempt)
      throw error
    }
    if (existing) return { tenantId: place.tenantId, riderId: existing, projectId: place.projectId }
    if (!input.name) return 'nameRequired'

    const tenant = new TenantContext(place.tenantId, null, null, new Set(), {
      actor: { staffId: null, account: input.phone, name: input.name! },
      request,
    })
    try {
      const riderId = await tenant.run(async (trx) => {
        const [row] = await trx
          .insertQuery()
          .table('riders')
          .insert({
            tenant_id: place.tenantId,
            name: input.name,
            phone: input.phone,
            status: 'normal',
            source: 'online',
            registered_at: new Date(),
            created_at: new Date(),
            updated_at: new Date(),
          })
          .returning('id')
        const id = Number(row.id)
        await trx.table('wallets').insert({ tenant_id: place.tenantId, rider_id: id })
        await this.audit.recordInContext(
          tenant,
          {
            action: 'riders.create',
            target: { type: 'rider', id },
            before: null,
            after: { name: input.name, phone: input.phone, status: 'normal', source: 'online' },
          },
          trx
        )
        return id
      })
      return { tenantId: place.tenantId, riderId, projectId: place.projectId }
    } catch (error) {
      // The same phone signing up twice at once: the first one's account it is.
      if (!isUniqueViolation(error)) throw error
      const raced = await this.#riderByPhone(system, input.phone)
      if (raced === null) throw error
      return { tenantId: place.tenantId, riderId: raced, projectId: place.projectId }
    }
  }

  me(rider: H5Rider): Promise<H5Me> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const row = await trx
        .from('riders as r')
        .leftJoin('wallets as w', 'w.rider_id', 'r.id')
        .where({ 'r.tenant_id': rider.tenantId, 'r.id': rider.riderId })
        .select(
          'r.name',
          'r.phone',
          'r.status',
          trx.raw('COALESCE(w.real_balance, 0) AS real_balance'),
          trx.raw('COALESCE(w.bonus_balance, 0) AS bonus_balance')
        )
        .firstOrFail()
      return {
        name: row.name,
        phone: row.phone,
        frozen: row.status === 'frozen',
        realBalance: Number(row.real_balance),
        bonusBalance: Number(row.bonus_balance),
      }
    })
  }

  /** 开始充电: the charging service's remote start on the APP channel. */
  async start(tenant: TenantContext, rider: H5Rider, place: H5Place, duration: ChargeDuration) {
    if (place.tenantId !== rider.tenantId) throw new H5Refusal('signInAgain')
    const started = await this.remote.startRemote(tenant, {
      pileId: place.pileId,
      portNo: place.portNo,
      riderId: rider.riderId,
      durationType: duration,
      channel: 'app',
    })
    await this.#recordOrder(tenant, 'orders.app_start', started.orderNo, {
      commandId: started.commandId,
      duration,
    })
    return started
  }

  /** 停止充电 of the rider's own open order. */
  async stop(tenant: TenantContext, rider: H5Rider, orderNo: string) {
    await this.#ownOrder(rider, orderNo)
    const stopped = await this.remote.stopRemote(tenant, { orderNo, reason: 'rider' })
    await this.#recordOrder(tenant, 'orders.app_stop', orderNo, { commandId: stopped.commandId })
    return stopped
  }

  /** One of the rider's orders as the live page and the bill show it. */
  order(rider: H5Rider, orderNo: string): Promise<H5Order | null> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const row = await this.#orders(trx, rider).where('o.order_no', orderNo).first()
      return row ? this.#view(row) : null
    })
  }

  /** 我的订单: the newest 50. */
  orders(rider: H5Rider): Promise<H5Order[]> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const rows = await this.#orders(trx, rider)
        .orderBy('o.created_at', 'desc')
        .orderBy('o.id', 'desc')
        .limit(50)
      return rows.map((row) => this.#view(row))
    })
  }

  refundRequests(rider: H5Rider): Promise<H5RefundRequest[]> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const rows = await trx
        .from('rider_refund_requests')
        .where({ tenant_id: rider.tenantId, rider_id: rider.riderId })
        .orderBy('id', 'desc')
        .limit(20)
      return rows.map((row) => ({
        id: row.id,
        amount: row.amount,
        reason: row.reason,
        status: row.status,
        decisionNote: row.decision_note,
        createdAt: iso(row.created_at)!,
        decidedAt: iso(row.decided_at),
      }))
    })
  }

  /** 申请退款 of real money, at most the real balance; one pending request at a time. */
  async requestRefund(
    tenant: TenantContext,
    rider: H5Rider,
    input: { amount: number; reason: string }
  ) {
    try {
      return await tenant.run(async (trx) => {
        const wallet = await trx
          .from('wallets')
          .where({ tenant_id: rider.tenantId, rider_id: rider.riderId })
          .forUpdate()
          .first()
        if (input.amount > Number(wallet?.real_balance ?? 0)) {
          throw new H5Refusal('amountAboveBalance')
        }
        const [row] = await trx
          .insertQuery()
          .table('rider_refund_requests')
          .insert({
            tenant_id: rider.tenantId,
            project_id: rider.projectId,
            rider_id: rider.riderId,
            amount: input.amount,
            reason: input.reason,
            status: 'pending',
            created_at: new Date(),
            updated_at: new Date(),
          })
          .returning('id')
        await this.audit.recordInContext(
          tenant,
          {
            action: 'refund_requests.create',
            projectId: rider.projectId,
            target: { type: 'rider_refund_request', id: row.id },
            before: null,
            after: { riderId: rider.riderId, amount: input.amount, reason: input.reason },
          },
          trx
        )
        return Number(row.id)
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw new H5Refusal('refundPending')
      throw error
    }
  }

  #orders(trx: TransactionClientContract, rider: H5Rider) {
    return trx
      .from('charging_orders as o')
      .join('piles as p', 'p.id', 'o.pile_id')
      .join('stations as s', 's.id', 'o.station_id')
      .leftJoin('pile_ports as pp', (join) =>
        join.on('pp.pile_id', 'o.pile_id').andOn('pp.port_no', 'o.port_no')
      )
      .where({ 'o.tenant_id': rider.tenantId, 'o.rider_id': rider.riderId })
      .select(
        'o.*',
        'p.name as pile_name',
        's.name as station_name',
        'pp.current_power_deciwatts',
        'pp.current_order_no'
      )
  }

  #view(row: Record<string, any>): H5Order {
    const charging = row.status === 'charging' && !row.ended_at
    const seconds =
      charging && row.started_at
        ? Math.max(0, Math.floor((Date.now() - new Date(row.started_at).getTime()) / 1000))
        : row.duration_seconds
    // A running charge costs what it would if it ended now (same tariff, same cap).
    const amount = charging
      ? computeCharge(
          row.tariff,
          {
            durationSeconds: seconds,
            energyWattHours: row.energy_wh,
            maxPowerDeciwatts: row.max_power_deciwatts,
          },
          row.cap_fen
        ).amountFen
      : row.amount_fen
    return {
      orderNo: row.order_no,
      status: row.status,
      abnormalReason: row.abnormal_reason,
      stationName: row.station_name,
      pileName: row.pile_name,
      portNo: row.port_no,
      durationType: row.duration_type,
      durationHours: row.duration_hours,
      capFen: row.cap_fen,
      createdAt: iso(row.created_at)!,
      startedAt: iso(row.started_at),
      endedAt: iso(row.ended_at),
      minutes: charging ? Math.ceil(seconds / 60) : row.minutes,
      powerWatts:
        charging && row.current_order_no === row.order_no
          ? Math.round(row.current_power_deciwatts / 10)
          : 0,
      maxPowerWatts: Math.round(row.max_power_deciwatts / 10),
      energyWh: row.energy_wh,
      amountFen: amount,
      stopRequested: row.stop_requested_at !== null,
      stopReason: row.stop_reason,
      cancelReason: row.cancel_reason,
      bill: row.bill ?? null,
    }
  }

  async #ownOrder(rider: H5Rider, orderNo: string) {
    const found = await TenantContext.forJob(rider.tenantId).run((trx) =>
      trx
        .from('charging_orders')
        .where({ tenant_id: rider.tenantId, rider_id: rider.riderId, order_no: orderNo })
        .select('id')
        .first()
    )
    if (!found) throw new ChargingRefusal('orderNotFound')
  }

  #recordOrder(
    tenant: TenantContext,
    action: string,
    orderNo: string,
    after: Record<string, unknown>
  ) {
    return tenant.run(async (trx) => {
      const order = await trx
        .from('charging_orders')
        .where({ tenant_id: tenant.tenantId, order_no: orderNo })
        .select('id', 'project_id')
        .firstOrFail()
      await this.audit.recordInContext(
        tenant,
        {
          action,
          projectId: order.project_id,
          target: { type: 'charging_order', id: order.id },
          before: null,
          after: { orderNo, ...after },
        },
        trx
      )
    })
  }

  async #tariff(trx: TransactionClientContract, projectId: number): Promise<Tariff> {
    const row = await trx
      .from('tariffs')
      .where('project_id', projectId)
      .orderBy('version', 'desc')
      .select('rules')
      .first()
    return (row?.rules as Tariff | undefined) ?? DEFAULT_TARIFF
  }

  async #riderByPhone(tenant: TenantContext, phone: string) {
    const row = await tenant.run((trx) =>
      trx.from('riders').where({ tenant_id: tenant.tenantId, phone }).select('id').first()
    )
    return row ? Number(row.id) : null
  }

  async #codes() {
    return new VerificationCodeService(await app.container.make('plugins'))
  }
}
