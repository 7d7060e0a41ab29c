import db from '@adonisjs/lucid/services/db'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import ChargingOrder, { OPEN_STATUSES, type ChargeDuration } from '#models/charging_order'
import H5Refusal from '#services/h5/h5_refusal'
import type { H5Place, H5Port, H5Rider } from '#services/h5/h5_types'
import { recordOrderActionByNo } from '#services/orders/order_audit'
import { projectTariff } from '#services/orders/order_opening'
import RemoteControl from '#services/orders/remote_control'

/**
 * The rider H5's port page (扫码): a port found by its QR code, its
 * tariff and state, and 开始充电 on the APP channel through remote control.
 * Every call runs in the tenant of the pile.
 */
export default class PortPage {
  constructor(
    protected remote = new RemoteControl(),
    protected audit = new AuditService()
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
          'pp.status as port_status',
          'pp.current_power_deciwatts'
        )
        .firstOrFail()
      const tariff = await projectTariff(tenant, trx, place.projectId)
      return {
        code,
        portNo: place.portNo,
        stationName: row.station_name,
        stationAddress: row.address,
        pileName: row.pile_name,
        pileOnline: row.online,
        pileActive: row.status === 'active',
        portActive: row.port_status === 'active',
        portState: row.state,
        powerWatts: Math.round(row.current_power_deciwatts / 10),
        tariff: tariff.rules,
      }
    })
  }

  /** The rider's own open order on this port, if any (to go back to its live page). */
  openOrderOn(rider: H5Rider, place: H5Place) {
    const tenant = TenantContext.forJob(rider.tenantId)
    return tenant.run(async (trx) => {
      const order = await tenant
        .query(ChargingOrder, trx)
        .where({ pile_id: place.pileId, port_no: place.portNo, rider_id: rider.riderId })
        .whereIn('status', [...OPEN_STATUSES])
        .orderBy('id', 'desc')
        .select('order_no')
        .first()
      return order?.orderNo ?? null
    })
  }

  /** 开始充电: remote control's start on the APP channel. */
  async start(tenant: TenantContext, rider: H5Rider, place: H5Place, duration: ChargeDuration) {
    if (place.tenantId !== rider.tenantId) throw new H5Refusal('signInAgain')
    const started = await this.remote.startRemote(tenant, {
      pileId: place.pileId,
      portNo: place.portNo,
      riderId: rider.riderId,
      durationType: duration,
      channel: 'app',
    })
    await recordOrderActionByNo(this.audit, tenant, 'orders.app_start', started.orderNo, {
      commandId: started.commandId,
      duration,
    })
    return started
  }
}
