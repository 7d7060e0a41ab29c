import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Station, { type StationStatus } from '#models/station'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import { escapeLike } from '#core/tenancy/text_match'
import type { StationRow } from '#services/operations/device_rows'
import {
  activeProject,
  DEVICE_PAGE_SIZE,
  recordDeviceChange,
  refusingConflicts,
} from '#services/operations/registry_support'

/** A 站点 as staff enter it: coordinates (WGS-84 degrees) both or neither. */
export type StationInput = {
  projectId: number
  name: string
  address?: string | null
  latitude?: number | null
  longitude?: number | null
  status: StationStatus
}

export type StationFilters = {
  name?: string
  projectId?: number
  status?: StationStatus
  page?: number
  perPage?: number
}

function stationFields(input: StationInput) {
  const located = typeof input.latitude === 'number' && typeof input.longitude === 'number'
  return {
    projectId: input.projectId,
    name: input.name,
    address: input.address || null,
    latitude: located ? input.latitude! : null,
    longitude: located ? input.longitude! : null,
    status: input.status,
  }
}

/** 运维 → 站点: stations of the staff member's projects, listed and edited. Audit-logged. */
@inject()
export default class StationService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /** The stations the filters pick (alias `s`, with `p`; no order, no paging); the export reads it too. */
  filtered(filters: StationFilters, trx: TransactionClientContract) {
    const query = trx
      .from('stations as s')
      .join('projects as p', 'p.id', 's.project_id')
      .leftJoin('owners as w', 'w.id', 's.owner_id')
      .where('s.tenant_id', this.tenant.tenantId)
    this.tenant.limitToProjects(query, 's.project_id')
    if (filters.name) query.whereILike('s.name', `%${escapeLike(filters.name)}%`)
    if (filters.projectId) query.where('s.project_id', filters.projectId)
    if (filters.status) query.where('s.status', filters.status)
    return query
  }

  list(filters: StationFilters) {
    const perPage = filters.perPage ?? DEVICE_PAGE_SIZE
    const page = filters.page ?? 1
    return this.tenant.run(async (trx) => {
      const filtered = () => this.filtered(filters, trx)
      const [{ total }] = await filtered().count('* as total')
      const rows = await filtered()
        .select(
          's.*',
          'p.name as project_name',
          'w.name as owner_name',
          trx.raw('(SELECT count(*) FROM piles WHERE piles.station_id = s.id) AS pile_count')
        )
        .orderBy('s.id', 'desc')
        .limit(perPage)
        .offset((page - 1) * perPage)
      return {
        rows: rows.map((row): StationRow => ({
          id: row.id,
          projectId: row.project_id,
          projectName: row.project_name,
          name: row.name,
          address: row.address,
          latitude: row.latitude === null ? null : Number(row.latitude),
          longitude: row.longitude === null ? null : Number(row.longitude),
          status: row.status,
          pileCount: Number(row.pile_count),
          ownerId: row.owner_id === null ? null : Number(row.owner_id),
          ownerName: row.owner_name,
          share: row.owner_share_kind
            ? { kind: row.owner_share_kind, value: row.owner_share_value }
            : null,
          electricityTariff: row.electricity_tariff,
        })),
        pagination: { page, perPage, total: Number(total) },
      }
    })
  }

  create(input: StationInput) {
    return refusingConflicts(() =>
      this.tenant.run(async (trx) => {
        await activeProject(this.tenant, input.projectId, trx)
        const station = await Station.create(
          { ...stationFields(input), tenantId: this.tenant.tenantId },
          { client: trx }
        )
        await this.#record('devices.station_create', station, null, trx)
        return station
      })
    )
  }

  /** A station with piles keeps its project (the piles' key refuses a move). */
  update(id: number, input: StationInput) {
    return refusingConflicts(
      () =>
        this.tenant.run(async (trx) => {
          const station = await this.tenant
            .limitToProjects(this.tenant.query(Station, trx))
            .where('id', id)
            .forUpdate()
            .firstOrFail()
          await activeProject(this.tenant, input.projectId, trx)
          const before = station.serialize()
          station.merge(stationFields(input))
          await station.save()
          await this.#record('devices.station_update', station, before, trx)
          return station
        }),
      'stationHasPiles'
    )
  }

  #record(action: string, station: Station, before: unknown, trx: TransactionClientContract) {
    return recordDeviceChange(
      this.audit,
      this.tenant,
      {
        action,
        projectId: station.projectId,
        target: { type: 'station', id: station.id },
        before,
        after: station,
      },
      trx
    )
  }
}

export type { StationRow }
