import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Pile from '#models/pile'
import Project from '#models/project'
import Station from '#models/station'
import Vendor from '#models/vendor'
import type AuditService from '#core/audit/audit_service'
import type TenantContext from '#core/tenancy/tenant_context'
import DeviceRefusal, { type DeviceRefusalReason } from '#services/operations/device_refusal'

/*
| What the device registry's units (vendors, stations, pile registration,
| pile queries, commands) share: paging, the refusals for constraint
| violations, lookups walled to the staff member's projects, and the audit
| record every change writes in its transaction.
*/

export const DEVICE_PAGE_SIZE = 20

const UNIQUE_REFUSALS: Record<string, DeviceRefusalReason> = {
  vendors_tenant_id_name_unique: 'vendorNameTaken',
  stations_tenant_id_project_id_name_unique: 'stationNameTaken',
  // Also the answer to a claim that finds nothing: another tenant's key is not told apart.
  piles_plugin_id_device_key_unique: 'deviceKeyUnavailable',
}

export function iso(value: Date | DateTime | null) {
  if (value === null) return null
  return (value instanceof Date ? DateTime.fromJSDate(value) : value).toUTC().toISO()
}

/** A unique or foreign-key violation, turned into the refusal staff understand. */
export async function refusingConflicts<Result>(
  work: () => Promise<Result>,
  foreignKey: DeviceRefusalReason | null = null
): Promise<Result> {
  try {
    return await work()
  } catch (error) {
    const { code, constraint } = error as { code?: string; constraint?: string }
    if (code === '23505' && constraint && UNIQUE_REFUSALS[constraint]) {
      throw new DeviceRefusal(UNIQUE_REFUSALS[constraint])
    }
    if (code === '23503' && foreignKey) throw new DeviceRefusal(foreignKey)
    throw error
  }
}

/** The station (in the staff member's projects) and the vendor a pile is placed with. */
export async function placement(
  tenant: TenantContext,
  { stationId, vendorId }: { stationId: number; vendorId: number },
  trx: TransactionClientContract
) {
  const station = await tenant
    .limitToProjects(tenant.query(Station, trx))
    .where('id', stationId)
    .first()
  if (!station) throw new DeviceRefusal('stationNotFound')
  const vendor = await tenant.query(Vendor, trx).where('id', vendorId).first()
  if (!vendor) throw new DeviceRefusal('vendorNotFound')
  return { station, vendor }
}

/** An active project the staff member may use. */
export async function activeProject(
  tenant: TenantContext,
  projectId: number,
  trx: TransactionClientContract
) {
  const project = await tenant
    .limitToProjects(tenant.query(Project, trx), 'id')
    .where({ id: projectId, status: 'active' })
    .first()
  if (!project) throw new DeviceRefusal('projectNotFound')
  return project
}

/** Piles of the staff member's projects (another tenant's or project's is a 404). */
export function visiblePiles(tenant: TenantContext, trx: TransactionClientContract) {
  return tenant.limitToProjects(tenant.query(Pile, trx))
}

export interface DeviceChange {
  action: string
  projectId: number | null
  target: { type: string; id: number }
  before: unknown
  after: { serialize(): unknown } | Record<string, unknown>
}

/** The audit record of a registry change, in the change's transaction. */
export function recordDeviceChange(
  audit: AuditService,
  tenant: TenantContext,
  { action, projectId, target, before, after }: DeviceChange,
  trx: TransactionClientContract
) {
  const serialized =
    typeof (after as { serialize?: unknown }).serialize === 'function'
      ? (after as { serialize(): unknown }).serialize()
      : after
  return audit.recordInContext(
    tenant,
    { action, projectId, target, before, after: serialized },
    trx
  )
}
