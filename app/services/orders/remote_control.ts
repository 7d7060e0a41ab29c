import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import AuditService from '#core/audit/audit_service'
import LiveEvents from '#core/live/live_events'
import type TenantContext from '#core/tenancy/tenant_context'
import ChargingOrder, { type ChargeDuration } from '#models/charging_order'
import ChargingRefusal from '#services/orders/charging_refusal'
import { findPile, lockPort, portTaken, type ChargingPile } from '#services/orders/charging_ports'
import { authorisedDecision } from '#services/orders/charging_rules'
import { recordOrderAction } from '#services/orders/order_audit'
import {
  chargeCap,
  createOrder,
  projectTariff,
  type ProjectTariff,
} from '#services/orders/order_opening'
import { dispatchDeviceCommand } from '#services/operations/gateway/device_command_queue'

export type RemoteStart = {
  pileId: number
  portNo: number
  /** The rider who pays; null only for staff's free test charge (免费测试), which bills nothing. */
  riderId: number | null
  durationType: ChargeDuration
  channel: 'app' | 'staff'
  /** 扫码即充: the payment whose amount is this order's cap (at most what the wallet allows). */
  prepaid?: { paymentOrderId: number; fen: number }
  /** Why staff started it, kept in the audit record of the start. */
  reason?: string
}

/**
 * Remote control: the APP and staff start and stop charges at the pile. A
 * start opens an authorised order and queues a `start` command for the
 * gateway (the pile's start confirmation then makes it charging); a stop
 * queues a `stop` (the end record then settles it). Staff actions are
 * audit-logged with the change.
 */
export default class RemoteControl {
  constructor(protected audit = new AuditService()) {}

  /** APP or staff start a charge: an authorised order and a `start` command for the gateway. */
  async startRemote(
    tenant: TenantContext,
    input: RemoteStart
  ): Promise<{ orderNo: string; commandId: number }> {
    const started = await tenant.run((trx) => this.startWithin(tenant, trx, input))
    await dispatchDeviceCommand(started.commandId)
    await LiveEvents.ordersChanged(tenant.tenantId, [started.orderNo])
    return started
  }

  /**
   * startRemote inside the caller's transaction (a paid pay-per-charge
   * starts with its payment); the caller dispatches the command after commit.
   */
  async startWithin(
    tenant: TenantContext,
    trx: TransactionClientContract,
    input: RemoteStart
  ): Promise<{ orderNo: string; commandId: number }> {
    const pile = await findPile(tenant, trx, input.pileId)
    if (!pile || !tenant.canSeeProject(pile.project_id)) throw new ChargingRefusal('pileNotFound')
    if (pile.status !== 'active') throw new ChargingRefusal('pileDisabled')
    if (!pile.online) throw new ChargingRefusal('pileOffline')
    const port = await lockPort(tenant, trx, pile.id, input.portNo)
    if (!port) throw new ChargingRefusal('portNotFound')
    if (port.status === 'disabled') throw new ChargingRefusal('portDisabled')
    if (port.state === 'fault') throw new ChargingRefusal('portFault')
    if (port.state === 'charging' || (await portTaken(tenant, trx, pile.id, input.portNo))) {
      throw new ChargingRefusal('portBusy')
    }
    const freeTest = input.riderId === null
    if (freeTest && (input.channel !== 'staff' || input.prepaid)) {
      throw new ChargingRefusal('riderNotFound')
    }
    const tariff = await projectTariff(tenant, trx, pile.project_id)
    const payer = freeTest ? null : await this.#payer(tenant, trx, input, pile, tariff)
    const order = await createOrder(tenant, trx, {
      pile,
      portNo: input.portNo,
      riderId: input.riderId,
      cardNo: null,
      channel: input.channel,
      duration: input.durationType,
      cap: payer?.cap ?? 0,
      wallet: payer?.wallet ?? null,
      tariff,
      status: 'authorised',
      at: new Date(),
      paymentOrderId: input.prepaid?.paymentOrderId ?? null,
      freeTest,
    })
    const decision = authorisedDecision(order)
    const commandId = await this.#command(tenant, trx, pile, input.portNo, 'start', {
      orderNo: order.orderNo,
      limit: decision.limit,
      maxDurationSeconds: decision.maxDurationSeconds,
      balanceFen: decision.balanceFen,
    })
    order.startCommandId = commandId
    await order.save()
    if (tenant.staffId !== null) {
      await recordOrderAction(this.audit, tenant, trx, 'orders.remote_start', order, {
        commandId,
        duration: input.durationType,
        capFen: payer?.cap ?? 0,
        ...(freeTest ? { freeTest } : {}),
        ...(input.reason === undefined ? {} : { reason: input.reason }),
      })
    }
    return { orderNo: order.orderNo, commandId }
  }

  /** The rider's wallet or plan: the cap it allows, the wallet locked (chargeCap). */
  async #payer(
    tenant: TenantContext,
    trx: TransactionClientContract,
    input: RemoteStart,
    pile: ChargingPile,
    tariff: ProjectTariff
  ) {
    const rider = await trx
      .from('riders')
      .where({ tenant_id: tenant.tenantId, id: input.riderId! })
      .first()
    if (!rider) throw new ChargingRefusal('riderNotFound')
    if (rider.status === 'frozen') throw new ChargingRefusal('riderFrozen')
    const allowed = await chargeCap(
      tenant,
      trx,
      rider.id,
      pile.project_id,
      tariff,
      input.durationType
    )
    if (allowed === null) throw new ChargingRefusal('insufficientBalance')
    const cap =
      input.prepaid === undefined
        ? allowed.cap
        : Math.min(input.prepaid.fen, allowed.wallet.spendable)
    return { cap, wallet: allowed.wallet }
  }

  /** Stops an open order's charge at the pile; the end record then settles it. */
  async stopRemote(
    tenant: TenantContext,
    input: { orderNo: string; reason: string }
  ): Promise<{ commandId: number }> {
    const commandId = await tenant.run(async (trx) => {
      const order = await tenant
        .query(ChargingOrder, trx)
        .where('order_no', input.orderNo)
        .forUpdate()
        .first()
      if (!order || !tenant.canSeeProject(order.projectId)) {
        throw new ChargingRefusal('orderNotFound')
      }
      if (!order.isOpen) throw new ChargingRefusal('orderNotOpen')
      const pile = (await findPile(tenant, trx, order.pileId))!
      const id = await this.#command(tenant, trx, pile, order.portNo, 'stop', {
        orderNo: order.orderNo,
        reason: input.reason,
      })
      order.stopRequestedAt = DateTime.now()
      await order.save()
      if (tenant.staffId !== null) {
        await recordOrderAction(this.audit, tenant, trx, 'orders.remote_stop', order, {
          commandId: id,
          reason: input.reason,
        })
      }
      return id
    })
    await dispatchDeviceCommand(commandId)
    return { commandId }
  }

  async #command(
    tenant: TenantContext,
    trx: TransactionClientContract,
    pile: ChargingPile,
    portNo: number | null,
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
}
