import { BaseSeeder } from '@adonisjs/lucid/seeders'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { VendorStopReason } from '#sdk/contracts/vendor'
import { PERMISSIONS } from '#core/access/permissions'
import AuditService from '#core/audit/audit_service'
import ChargingOrder from '#models/charging_order'
import SessionEnds from '#services/orders/session_ends'
import SessionMeter from '#services/orders/session_meter'
import SessionStarts from '#services/orders/session_starts'
import RiderRefundService from '#services/finance/rider_refund_service'
import RiderService from '#services/riders/rider_service'
import TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'

/**
 * A month of the demo tenant zxb: 60 more riders with bound cards, wallets
 * topped up at the counter and by QR (packages with bonus money), a few
 * cash refunds, and about 1,500 card-swipe charging orders over the last 30
 * days on the seeded piles, each swiped, started, metered and settled
 * through the real charging session units, plus a handful of abnormal ones
 * (phantom, unknown rider, pile offline, settlement refused).
 *
 * Everything is derived from a fixed random seed, and each order carries
 * the transaction reference `demo-<n>`: a second run finds every reference
 * and every idempotency key taken and changes nothing. Runs last (seeders
 * run in name order), after the riders, cards and piles seeders.
 *
 * Money postings are dated when they are made (the wallet service stamps
 * top-ups now); charging orders and their settlements carry the month's dates.
 */
const TENANT_CODE = 'zxb'
const RIDERS = 60
const ORDERS = 1500
const DAYS = 30
const SEED = 20210601
const HOUR = 3_600_000
// Parallel ports: each runs its own timeline, so no two workers share a port.
const WORKERS = 4

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
const GIVEN = [
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '华',
  '平',
  '刚',
  '桂英',
]

type Rider = { id: number; phone: string; projectIndex: number; cardNo: string }
type Port = { pileId: number; projectIndex: number; portNo: number }
type Plan = {
  ref: string
  port: Port
  rider: Rider
  orderedAt: Date
  seconds: number
  peakDeciwatts: number
  kind: 'normal' | 'zero' | 'phantom' | 'ble'
  stopReason: VendorStopReason
  samples: boolean
}

/** mulberry32: small, fast and the same on every run. */
function random(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export default class DemoOrdersSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  #starts = new SessionStarts()
  #ends = new SessionEnds()
  #wallet = new WalletService()

  /**
   * The charging session units as they were at `at`: billing trusts only what the
   * platform observed on its own clock, so a month replayed today must tell
   * it when each report arrived.
   */
  #chargingAt(at: Date | number) {
    const when = new Date(at)
    const clock = () => when
    return {
      starts: new SessionStarts(clock),
      meter: new SessionMeter(clock),
      ends: new SessionEnds(clock),
    }
  }

  async run() {
    const setup = await this.client.transaction((trx) => this.#setup(trx))
    if (!setup) return
    const { tenantId, staff, riders, ports, projectIds } = setup
    const system = TenantContext.forJob(tenantId)
    const clerk = new TenantContext(tenantId, staff.id, null, new Set(PERMISSIONS), {
      actor: { staffId: staff.id, account: staff.account, name: staff.name },
      request: null,
    })

    await this.#topUps(clerk, system, riders, projectIds)
    await this.#refunds(clerk, riders, projectIds)

    const seeded = await ChargingOrder.query({ client: this.client })
      .where('tenant_id', tenantId)
      .whereLike('transaction_ref', 'demo-%')
      .select('transaction_ref')
    const done = new Set(seeded.map((order) => order.transactionRef!))
    const now = Date.now()
    const timelines = this.#plan(ports, riders, now)
    const queue = timelines.map((plans) => plans.filter((plan) => !done.has(plan.ref)))
    const workers = Array.from({ length: WORKERS }, async () => {
      for (let plans = queue.shift(); plans; plans = queue.shift()) {
        for (const plan of plans) await this.#charge(system, plan)
      }
    })
    await Promise.all(workers)
    await this.#abnormalTail(system, clerk, ports, riders, done, now)
  }

  /** Riders, wallets and bound cards (inserted like the other seeders), the clerk, the ports. */
  async #setup(trx: TransactionClientContract) {
    const tenant = await trx.from('tenants').where('code', TENANT_CODE).first()
    if (!tenant) return null
    const tenantId = Number(tenant.id)
    const staff = await trx
      .from('staff')
      .where({ tenant_id: tenantId, account: 'admin' })
      .firstOrFail()
    const projects = await trx.from('projects').where('tenant_id', tenantId).orderBy('id')
    const piles = await trx
      .from('piles')
      .where({ tenant_id: tenantId, status: 'active' })
      .orderBy('id')
      .select('id', 'project_id', 'port_count')
    if (projects.length < 2 || piles.length === 0) return null

    const rng = random(SEED)
    const riders: Rider[] = []
    for (let index = 0; index < RIDERS; index += 1) {
      // Three riders in four at 正商集团, which has most of the ports.
      const projectIndex = index % 4 === 3 ? 1 : 0
      const phone = `1371000${String(index + 1).padStart(4, '0')}`
      const name =
        SURNAMES[Math.floor(rng() * SURNAMES.length)] + GIVEN[Math.floor(rng() * GIVEN.length)]
      const registeredAt = new Date(Date.now() - (DAYS + 1 + Math.floor(rng() * 60)) * 24 * HOUR)
      await trx
        .insertQuery()
        .table('riders')
        .insert({
          tenant_id: tenantId,
          name,
          phone,
          status: 'normal',
          source: index % 3 === 0 ? 'online' : 'offline',
          registered_at: registeredAt,
          created_at: registeredAt,
          updated_at: registeredAt,
        })
        .knexQuery.onConflict(['tenant_id', 'phone'])
        .ignore()
      const rider = await trx.from('riders').where({ tenant_id: tenantId, phone }).firstOrFail()
      await trx
        .insertQuery()
        .table('wallets')
        .insert({ tenant_id: tenantId, rider_id: rider.id })
        .knexQuery.onConflict(['rider_id'])
        .ignore()
      // 8 hex digits: E0, the project, then the rider's number.
      const cardNo = `E0${projectIndex + 1}${(index + 1).toString(16).toUpperCase().padStart(5, '0')}`
      await trx
        .insertQuery()
        .table('cards')
        .insert({
          tenant_id: tenantId,
          project_id: projects[projectIndex].id,
          card_no: cardNo,
          status: 'bound',
          rider_id: rider.id,
          bound_at: registeredAt,
          created_at: registeredAt,
          updated_at: registeredAt,
        })
        .knexQuery.onConflict(['tenant_id', 'card_no'])
        .ignore()
      riders.push({ id: Number(rider.id), phone, projectIndex, cardNo })
    }

    const ports: Port[] = piles.flatMap((pile) =>
      Array.from({ length: pile.port_count as number }, (_, port) => ({
        pileId: Number(pile.id),
        projectIndex: projects.findIndex((project) => project.id === pile.project_id),
        portNo: port + 1,
      }))
    )
    return {
      tenantId,
      staff: { id: Number(staff.id), account: staff.account as string, name: staff.name as string },
      riders,
      ports: ports.filter((port) => port.projectIndex >= 0),
      projectIds: projects.map((project) => Number(project.id)),
    }
  }

  /** ¥50 cash at the counter, a QR package (¥100 送 5 or ¥50 送 1), a bonus now and then. */
  async #topUps(
    clerk: TenantContext,
    system: TenantContext,
    riders: Rider[],
    projectIds: number[]
  ) {
    for (const [index, rider] of riders.entries()) {
      const target = { riderId: rider.id, projectId: projectIds[rider.projectIndex] }
      await this.#wallet.topUpCash(clerk, {
        ...target,
        realAmount: 5000,
        idempotencyKey: `demo:cash:${rider.phone}`,
      })
      const [realAmount, bonusAmount] = index % 2 === 0 ? [10000, 500] : [5000, 100]
      await this.#wallet.topUpQr(system, {
        ...target,
        paymentId: `DEMO${rider.phone}`,
        realAmount,
        bonusAmount,
      })
      if (index % 5 === 0) {
        await this.#wallet.grantBonus(clerk, {
          ...target,
          bonusAmount: 300,
          reason: '新用户活动',
          idempotencyKey: `demo:bonus:${rider.phone}`,
        })
      }
    }
  }

  /** 退款 in cash at the counter for three riders leaving (the bonus goes with it). */
  async #refunds(clerk: TenantContext, riders: Rider[], projectIds: number[]) {
    const refunds = new RiderRefundService()
    for (const rider of [riders[4], riders[9], riders[14]]) {
      await refunds.refund(clerk, {
        riderId: rider.id,
        projectId: projectIds[rider.projectIndex],
        amount: 3000,
        reason: '搬离小区，退回余额',
        channel: 'cash',
        idempotencyKey: `demo:${rider.phone}`,
      })
    }
  }

  /**
   * Each port's month: ORDERS spread evenly over the ports, each order in
   * its own slot (so a port never holds two charges), a charge of 20
   * minutes to 8 hours at an e-bike charger's 120 to 450 W.
   */
  #plan(ports: Port[], riders: Rider[], now: number): Plan[][] {
    const rng = random(SEED + 1)
    const perPort = Math.round(ORDERS / ports.length)
    const start = now - DAYS * 24 * HOUR
    // The last three hours are left for the abnormal tail.
    const slot = (DAYS * 24 - 3) * (HOUR / perPort)
    const recent = now - 2 * 24 * HOUR
    let sequence = 0
    return ports.map((port) => {
      const local = riders.filter((rider) => rider.projectIndex === port.projectIndex)
      return Array.from({ length: perPort }, (_, index) => {
        sequence += 1
        const slotStart = start + index * slot
        const offset = rng() * slot * 0.3
        const seconds = Math.floor(Math.min(20 * 60 + rng() * 7.7 * 3600, (slot - offset) / 1000))
        const roll = rng()
        const kind =
          roll < 0.02 ? 'zero' : roll < 0.023 ? 'phantom' : roll < 0.025 ? 'ble' : 'normal'
        const stop = rng()
        const orderedAt = new Date(Math.floor(slotStart + offset))
        return {
          ref: `demo-${sequence}`,
          port,
          rider: local[Math.floor(rng() * local.length)],
          orderedAt,
          seconds: kind === 'zero' ? 0 : seconds,
          peakDeciwatts: 1200 + Math.floor(rng() * 3300),
          kind,
          stopReason:
            kind === 'zero'
              ? 'fault'
              : stop < 0.8
                ? 'full'
                : stop < 0.95
                  ? 'unplugged'
                  : 'local_stop',
          samples: orderedAt.getTime() > recent,
        } satisfies Plan
      })
    })
  }

  /** One order as a pile reports it: swipe, start, meter samples, end record. */
  async #charge(tenant: TenantContext, plan: Plan) {
    const { pileId, portNo } = plan.port
    const startedAt = new Date(plan.orderedAt.getTime() + 15_000)
    const endedAt = new Date(startedAt.getTime() + plan.seconds * 1000)
    const energy = plan.kind === 'phantom' ? 0 : this.#energy(plan)
    const power = plan.kind === 'phantom' || plan.kind === 'zero' ? 0 : plan.peakDeciwatts
    let orderNo: string | null = null
    if (plan.kind !== 'ble') {
      const decision = await this.#starts.authorizeCard(tenant, {
        pileId,
        portNo,
        cardNo: plan.rider.cardNo,
        at: plan.orderedAt,
      })
      // A wallet that cannot pay is refused at the pile: no order, as in life.
      if (!decision.authorised) return
      orderNo = decision.orderNo
      await this.#chargingAt(startedAt).starts.confirmStart(tenant, {
        pileId,
        portNo,
        orderNo,
        transactionRef: plan.ref,
        at: startedAt,
      })
      if (plan.samples && plan.kind === 'normal') {
        await this.#samples(tenant, plan, orderNo, startedAt)
      }
      if (plan.seconds > 0) await this.#lastReport(tenant, plan, orderNo, endedAt)
    }
    await this.#chargingAt(endedAt).ends.settleEnd(tenant, {
      pileId,
      deviceKey: '',
      portNo,
      orderNo,
      transactionRef: plan.ref,
      startedAt,
      endedAt,
      durationSeconds: plan.seconds,
      energyWattHours: energy,
      maxPowerDeciwatts: power,
      stopReason: plan.stopReason,
    })
  }

  /** A charger's curve: full power for most of the charge, tapering off in the last fifth. */
  #curve(plan: Plan, share: number) {
    return share < 0.8
      ? plan.peakDeciwatts
      : Math.floor(plan.peakDeciwatts * Math.max(0.1, (1 - share) * 5))
  }

  #energy(plan: Plan) {
    // deciwatts × seconds / 36,000 = watt-hours; 0.9 of the peak on average over the curve.
    return Math.floor((plan.peakDeciwatts * 0.9 * plan.seconds) / 36_000)
  }

  async #samples(tenant: TenantContext, plan: Plan, orderNo: string, startedAt: Date) {
    const count = 8
    for (let sample = 1; sample <= count; sample += 1) {
      const share = sample / (count + 1)
      const at = new Date(startedAt.getTime() + plan.seconds * 1000 * share)
      await this.#chargingAt(at).meter.recordMeter(tenant, {
        pileId: plan.port.pileId,
        portNo: plan.port.portNo,
        orderNo,
        powerDeciwatts: this.#curve(plan, share),
        energyWattHours: Math.floor(this.#energy(plan) * share),
        at,
      })
    }
  }

  /** The pile's last power report, a minute before its end (DNY reports every 5 minutes): the platform saw it running. */
  async #lastReport(tenant: TenantContext, plan: Plan, orderNo: string, endedAt: Date) {
    const at = new Date(endedAt.getTime() - Math.min(60, plan.seconds / 2) * 1000)
    await this.#chargingAt(at).meter.recordMeter(tenant, {
      pileId: plan.port.pileId,
      portNo: plan.port.portNo,
      orderNo,
      powerDeciwatts: plan.kind === 'normal' ? this.#curve(plan, 0.99) : 0,
      at,
    })
  }

  /**
   * The last hours: a pile that dropped off mid-charge (pile_offline), and
   * a rider frozen while charging, whose end record then cannot settle
   * (settlement_failed). Both stay in 异常订单 for staff.
   */
  async #abnormalTail(
    system: TenantContext,
    clerk: TenantContext,
    ports: Port[],
    riders: Rider[],
    done: Set<string>,
    now: number
  ) {
    const firstProject = ports.filter((port) => port.projectIndex === 0)
    const offline = firstProject[firstProject.length - 1]
    const frozenAt = firstProject[0]
    const offlineRef = 'demo-offline'
    if (!done.has(offlineRef)) {
      const orderNo = await this.#open(system, offline, riders[1], offlineRef, now - 2 * HOUR)
      // No other order of that pile is open now: its timeline ended hours ago.
      if (orderNo) await this.#ends.pileWentOffline(system, offline.pileId, new Date(now - HOUR))
    }
    const frozenRef = 'demo-frozen'
    if (!done.has(frozenRef)) {
      const rider = riders[2]
      const startedAt = now - 2 * HOUR
      const orderNo = await this.#open(system, frozenAt, rider, frozenRef, startedAt)
      if (orderNo) {
        await new RiderService(clerk, new AuditService()).setStatus([rider.id], 'frozen')
        const lastReport = startedAt + 89 * 60_000
        await this.#chargingAt(lastReport).meter.recordMeter(system, {
          pileId: frozenAt.pileId,
          portNo: frozenAt.portNo,
          orderNo,
          powerDeciwatts: 600,
          at: new Date(lastReport),
        })
        await this.#chargingAt(startedAt + 90 * 60_000).ends.settleEnd(system, {
          pileId: frozenAt.pileId,
          deviceKey: '',
          portNo: frozenAt.portNo,
          orderNo,
          transactionRef: frozenRef,
          startedAt: new Date(startedAt),
          endedAt: new Date(startedAt + 90 * 60_000),
          durationSeconds: 90 * 60,
          energyWattHours: 420,
          maxPowerDeciwatts: 3100,
          stopReason: 'full',
        })
      }
    }
  }

  async #open(tenant: TenantContext, port: Port, rider: Rider, ref: string, at: number) {
    const decision = await this.#starts.authorizeCard(tenant, {
      pileId: port.pileId,
      portNo: port.portNo,
      cardNo: rider.cardNo,
      at: new Date(at),
    })
    if (!decision.authorised) return null
    await this.#chargingAt(at + 15_000).starts.confirmStart(tenant, {
      pileId: port.pileId,
      portNo: port.portNo,
      orderNo: decision.orderNo,
      transactionRef: ref,
      at: new Date(at + 15_000),
    })
    return decision.orderNo
  }
}
