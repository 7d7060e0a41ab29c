import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Owner from '#models/owner'
import Station from '#models/station'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import {
  periodsValid,
  type ElectricityTariff,
  type OwnerShare,
} from '#services/data/electricity_cost'
import OwnerRefusal from '#services/operations/owner_refusal'
import GrantGuard from '#services/permissions/grant_guard'
import type { OwnerRow } from '#services/operations/owner_props'

export type OwnerInput = { name: string; contact?: string | null; phone?: string | null }

/** A station's money settings: its owner with a share (or none), and its electricity tariff. */
export type StationMoneyInput = {
  ownerId?: number | null
  share?: OwnerShare | null
  electricityTariff?: ElectricityTariff | null
}

/** 运维 → 业主管理: a tenant's property owners, and which station shares with whom. Audit-logged. */
@inject()
export default class OwnerService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService,
    protected grants: GrantGuard
  ) {}

  list(): Promise<OwnerRow[]> {
    return this.tenant.run(async (trx) => {
      const rows = await trx
        .from('owners as o')
        .where('o.tenant_id', this.tenant.tenantId)
        .select(
          'o.*',
          trx.raw('(SELECT count(*) FROM stations s WHERE s.owner_id = o.id) AS station_count')
        )
        .orderBy('o.id', 'desc')
        .limit(500)
      const accounts = await trx
        .from('staff')
        .where('tenant_id', this.tenant.tenantId)
        .whereNotNull('owner_id')
        .orderBy('id')
        .select('id', 'name', 'owner_id')
      return rows.map((row) => ({
        id: Number(row.id),
        name: row.name,
        contact: row.contact,
        phone: row.phone,
        stationCount: Number(row.station_count),
        accounts: accounts
          .filter((account) => Number(account.owner_id) === Number(row.id))
          .map((account) => ({ id: Number(account.id), name: account.name })),
      }))
    })
  }

  create(input: OwnerInput) {
    return this.#refusingTakenName(() =>
      this.tenant.run(async (trx) => {
        const owner = await Owner.create(
          { ...this.#fields(input), tenantId: this.tenant.tenantId },
          { client: trx }
        )
        await this.#record(trx, 'owners.create', { type: 'owner', id: owner.id }, null, owner)
        return owner
      })
    )
  }

  update(id: number, input: OwnerInput) {
    return this.#refusingTakenName(() =>
      this.tenant.run(async (trx) => {
        const owner = await this.#owner(trx, id)
        const before = owner.serialize()
        owner.merge(this.#fields(input))
        await owner.save()
        await this.#record(trx, 'owners.update', { type: 'owner', id }, before, owner.serialize())
        return owner
      })
    )
  }

  /** Sets a station's owner and share, and its electricity tariff; a share needs an owner. */
  setStationMoney(stationId: number, input: StationMoneyInput) {
    const ownerId = input.ownerId ?? null
    const share = input.share ?? null
    if ((ownerId === null) !== (share === null)) throw new OwnerRefusal('shareNeedsOwner')
    const tariff = input.electricityTariff ?? null
    if (tariff && !periodsValid(tariff.periods)) throw new OwnerRefusal('periodsOverlap')
    return this.tenant.run(async (trx) => {
      const station = await this.tenant
        .limitToProjects(this.tenant.query(Station, trx))
        .where('id', stationId)
        .forUpdate()
        .firstOrFail()
      if (ownerId !== null) await this.#owner(trx, ownerId)
      const money = (row: Station) => ({
        ownerId: row.ownerId,
        ownerShareKind: row.ownerShareKind,
        ownerShareValue: row.ownerShareValue,
        electricityTariff: row.electricityTariff,
      })
      const before = money(station)
      station.merge({
        ownerId,
        ownerShareKind: share?.kind ?? null,
        ownerShareValue: share?.value ?? null,
        electricityTariff: tariff,
      })
      await station.save()
      await this.#record(
        trx,
        'owners.station_money',
        { type: 'station', id: station.id },
        before,
        money(station),
        station.projectId
      )
      return station
    })
  }

  /**
   * Ties a staff member to this owner (an owner account: it then holds at
   * most the 业主 role's rights and sees only this owner), or unties them.
   * Only over staff the actor covers (grant rules), never themselves.
   */
  linkAccount(ownerId: number, input: { staffId: number; linked: boolean }) {
    const attempt = { action: 'owners.account', target: { type: 'staff', id: input.staffId } }
    return this.grants.run(this.tenant, async (trx) => {
      await this.#owner(trx, ownerId)
      const staff = await trx
        .from('staff')
        .where({ id: input.staffId, tenant_id: this.tenant.tenantId })
        .forUpdate()
        .select('id', 'owner_id')
        .first()
      if (!staff || Number(staff.id) === this.tenant.staffId)
        throw new OwnerRefusal('staffNotFound')
      await this.grants.assertCovers(this.tenant, input.staffId, attempt, trx)
      const before = { ownerId: staff.owner_id === null ? null : Number(staff.owner_id) }
      const after = { ownerId: input.linked ? ownerId : null }
      await trx.from('staff').where('id', input.staffId).update({ owner_id: after.ownerId })
      await this.#record(trx, 'owners.account', attempt.target, before, after)
    })
  }

  /** Staff who may be tied to an owner, as choices (the actor themselves left out). */
  staffOptions() {
    return this.tenant.run(async (trx) => {
      const rows = await trx
        .from('staff')
        .where('tenant_id', this.tenant.tenantId)
        .whereNot('id', this.tenant.staffId ?? 0)
        .orderBy('id')
        .limit(500)
        .select('id', 'name')
      return rows.map((row) => ({ id: Number(row.id), name: row.name as string }))
    })
  }

  /** Owners as choices for a form. */
  options() {
    return this.tenant.run(async (trx) => {
      const owners = await this.tenant.query(Owner, trx).orderBy('name').limit(500)
      return owners.map((owner) => ({ id: owner.id, name: owner.name }))
    })
  }

  async #owner(trx: TransactionClientContract, id: number) {
    // Another tenant's owner, like a missing one: a 404.
    return this.tenant.query(Owner, trx).where('id', id).forUpdate().firstOrFail()
  }

  #fields(input: OwnerInput) {
    return { name: input.name, contact: input.contact || null, phone: input.phone || null }
  }

  async #refusingTakenName<Result>(work: () => Promise<Result>) {
    try {
      return await work()
    } catch (error) {
      if ((error as { constraint?: string }).constraint === 'owners_tenant_id_name_unique') {
        throw new OwnerRefusal('ownerNameTaken')
      }
      throw error
    }
  }

  #record(
    trx: TransactionClientContract,
    action: string,
    target: { type: string; id: number },
    before: unknown,
    after: unknown,
    projectId: number | null = null
  ) {
    const serialized = after instanceof Owner ? after.serialize() : after
    return this.audit.recordInContext(
      this.tenant,
      { action, projectId, target, before, after: serialized },
      trx
    )
  }
}
