import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Pile, { type PileStatus } from '#models/pile'
import PilePort from '#models/pile_port'
import type Station from '#models/station'
import type Vendor from '#models/vendor'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import DeviceRefusal from '#services/operations/device_refusal'
import { normalizeIccid } from '#services/operations/device_identity_service'
import { claimCodeFilter, normalizeDeviceKey } from '#services/operations/device_keys'
import { forgetPendingPile } from '#services/operations/pending_piles'
import {
  placement,
  recordDeviceChange,
  refusingConflicts,
  visiblePiles,
} from '#services/operations/registry_support'

/** What staff enter of a pile: where it stands, who made it, its ports and details. */
type PileFields = {
  stationId: number
  vendorId: number
  name: string
  portCount: number
  firmware?: string | null
  iccid?: string | null
  protocolVersion?: string | null
  heartbeatIntervalSeconds?: number
}

/** A pile registered by hand; the device key is checked here, per plugin. */
export type PileInput = PileFields & { deviceKey: string }

/** Editing a pile: its identity (plugin, device key) stays. */
export type PileUpdateInput = PileFields & { status: PileStatus }

/** 认领: a pile that logged in unknown, named by the code printed on it. */
export type PileClaimInput = { stationId: number; vendorId: number; code: string; name: string }

/** The columns of a new pile beyond its placement and key. */
type NewPile = {
  name: string
  portCount: number
  firmware?: string | null
  iccid?: string | null
  boundIccid?: string | null
  protocolVersion?: string | null
  heartbeatIntervalSeconds?: number
  lastSeenIp?: string | null
}

/**
 * 运维 → 充电桩: piles registered by hand, claimed after they logged in
 * unknown, and edited. Every change is audit-logged in its transaction.
 */
@inject()
export default class PileRegistrationService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /** Registers a pile by hand. If it already logged in unknown, it stops waiting. */
  async create(input: PileInput) {
    const pile = await refusingConflicts(() =>
      this.tenant.run(async (trx) => {
        const { station, vendor } = await placement(this.tenant, input, trx)
        const deviceKey = normalizeDeviceKey(vendor.pluginId, input.deviceKey)
        if (!deviceKey) throw new DeviceRefusal('invalidDeviceKey')
        return this.#insert('devices.pile_create', station, vendor, deviceKey, input, trx)
      })
    )
    await forgetPendingPile(pile)
    return pile
  }

  /**
   * 认领: a pile that logged in unknown (pending_piles, a platform table
   * read through the owner connection) joins this tenant at a station.
   * Staff type the code printed on the pile (see claimCodeFilter); a code
   * that matches no waiting pile, or one another tenant registered meanwhile,
   * gets the same answer (deviceKeyUnavailable), so no tenant can probe
   * another's keys. The pile is bound to the ICCID it waited with. The
   * pending row is locked for the claim, so two tenants claiming the same
   * pile at once get one pile and one refusal.
   */
  async claim(input: PileClaimInput) {
    return db.connection('owner').transaction(async (ownerTrx) => {
      const pile = await refusingConflicts(() =>
        this.tenant.run(async (trx) => {
          const { station, vendor } = await placement(this.tenant, input, trx)
          const filter = claimCodeFilter(vendor.pluginId, input.code)
          if (!filter) throw new DeviceRefusal('invalidDeviceKey')
          const found = await ownerTrx
            .from('pending_piles')
            .where('plugin_id', vendor.pluginId)
            .where((match) => {
              if (filter.deviceKey) match.orWhere('device_key', filter.deviceKey)
              if (filter.dnyNumber) match.orWhereRaw('right(device_key, 6) = ?', [filter.dnyNumber])
            })
            .forUpdate()
            .limit(2)
          // Two DNY piles of different types under one number: the full printed form tells them apart.
          if (found.length !== 1) throw new DeviceRefusal('deviceKeyUnavailable')
          const pending = found[0]
          return this.#insert(
            'devices.pile_claim',
            station,
            vendor,
            pending.device_key,
            {
              name: input.name,
              portCount: pending.port_count ?? 1,
              firmware: pending.firmware,
              iccid: pending.iccid,
              boundIccid: pending.iccid ? normalizeIccid(pending.iccid) : null,
              protocolVersion: pending.protocol_version,
              lastSeenIp: pending.last_seen_ip,
            },
            trx
          )
        })
      )
      await forgetPendingPile(pile, ownerTrx)
      return pile
    })
  }

  /** Edits a pile; its identity stays. Fewer ports drops the last ones, if no order holds them. */
  update(id: number, input: PileUpdateInput) {
    return this.tenant.run(async (trx) => {
      const pile = await visiblePiles(this.tenant, trx).where('id', id).forUpdate().firstOrFail()
      const { station, vendor } = await placement(this.tenant, input, trx)
      // The device key was checked for its plugin: another protocol means another pile.
      if (vendor.pluginId !== pile.pluginId) throw new DeviceRefusal('vendorPluginDiffers')
      const before = pile.serialize()
      if (input.portCount < pile.portCount) {
        const busy = await this.tenant
          .query(PilePort, trx)
          .where('pile_id', id)
          .where('port_no', '>', input.portCount)
          .whereNotNull('current_order_no')
          .first()
        if (busy) throw new DeviceRefusal('portInUse')
        await this.tenant
          .query(PilePort, trx)
          .where('pile_id', id)
          .where('port_no', '>', input.portCount)
          .delete()
      }
      pile.merge({
        stationId: station.id,
        projectId: station.projectId,
        vendorId: vendor.id,
        name: input.name,
        portCount: input.portCount,
        firmware: input.firmware ?? null,
        iccid: input.iccid ?? null,
        protocolVersion: input.protocolVersion ?? null,
        heartbeatIntervalSeconds: input.heartbeatIntervalSeconds ?? pile.heartbeatIntervalSeconds,
        status: input.status,
      })
      await pile.save()
      await this.#createPorts(pile, trx)
      await this.#record('devices.pile_update', pile, before, trx)
      return pile
    })
  }

  async #insert(
    action: 'devices.pile_create' | 'devices.pile_claim',
    station: Station,
    vendor: Vendor,
    deviceKey: string,
    input: NewPile,
    trx: TransactionClientContract
  ) {
    const pile = await Pile.create(
      {
        tenantId: this.tenant.tenantId,
        projectId: station.projectId,
        stationId: station.id,
        vendorId: vendor.id,
        pluginId: vendor.pluginId,
        deviceKey,
        name: input.name,
        portCount: input.portCount,
        firmware: input.firmware ?? null,
        iccid: input.iccid ?? null,
        boundIccid: input.boundIccid ?? null,
        protocolVersion: input.protocolVersion ?? null,
        heartbeatIntervalSeconds: input.heartbeatIntervalSeconds ?? 180,
        lastSeenIp: input.lastSeenIp ?? null,
        status: 'active',
        online: false,
      },
      { client: trx }
    )
    await this.#createPorts(pile, trx)
    await this.#record(action, pile, null, trx)
    return pile
  }

  /** Ports 1..portCount, offline until the pile reports; existing ones are kept. */
  async #createPorts(pile: Pile, trx: TransactionClientContract) {
    const now = new Date()
    await trx
      .insertQuery()
      .table('pile_ports')
      .multiInsert(
        Array.from({ length: pile.portCount }, (_, index) => ({
          tenant_id: pile.tenantId,
          pile_id: pile.id,
          port_no: index + 1,
          state: 'offline',
          updated_at: now,
        }))
      )
      .knexQuery.onConflict(['pile_id', 'port_no'])
      .ignore()
  }

  #record(action: string, pile: Pile, before: unknown, trx: TransactionClientContract) {
    return recordDeviceChange(
      this.audit,
      this.tenant,
      {
        action,
        projectId: pile.projectId,
        target: { type: 'pile', id: pile.id },
        before,
        after: pile,
      },
      trx
    )
  }
}
