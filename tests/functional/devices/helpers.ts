import db from '@adonisjs/lucid/services/db'
import AuditService from '#core/audit/audit_service'
import DeviceCommandService from '#services/operations/device_command_service'
import PileRegistrationService from '#services/operations/pile_registration_service'
import StationService from '#services/operations/station_service'
import VendorService from '#services/operations/vendor_service'
import {
  generateDeviceSecret,
  hashDeviceSecret,
} from '#services/operations/device_identity_service'
import TenantContext from '#core/tenancy/tenant_context'
import { PERMISSIONS, type BuiltinRoleKey } from '#core/access/permissions'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession } from '#tests/helpers/login'

/*
| Helpers of the device tests. Fixtures are committed (no global
| transaction): the requests and the owner-side checks must see them.
*/

export const owner = () => db.connection('owner')

let sequence = 0

/** A DNY physical id (8 hex digits) no other test of this run uses. */
export function freshDnyKey() {
  sequence += 1
  return `05${((process.pid % 0xfff) * 0x1000 + sequence).toString(16).toUpperCase().padStart(6, '0')}`
}

/** The device registry's units as `tenant` uses them: vendors, stations, piles, commands. */
export function deviceRegistry(tenant: TenantContext) {
  const audit = new AuditService()
  return {
    vendors: new VendorService(tenant, audit),
    stations: new StationService(tenant, audit),
    piles: new PileRegistrationService(tenant, audit),
    commands: new DeviceCommandService(tenant, audit),
  }
}

/** A tenant with a signed-in staff member, a vendor, a station, and the registry as an admin. */
export async function deviceFixture(roles: BuiltinRoleKey[] = ['super_admin']) {
  const base = await createTenantWithStaff({ roles })
  const asAdmin = new TenantContext(base.tenant.id, base.staff.id, null, new Set(PERMISSIONS), {
    actor: { staffId: base.staff.id, account: base.staff.account, name: base.staff.name },
    request: null,
  })
  const registry = deviceRegistry(asAdmin)
  const vendor = await registry.vendors.create({ name: '科爵', pluginId: 'vendor-dny' })
  const station = await registry.stations.create({
    projectId: base.project.id,
    name: '一号站',
    status: 'active',
  })
  const browser = new BrowserSession()
  await browser.login({ account: base.staff.account, password: base.password })
  return { ...base, asAdmin, registry, vendor, station, browser }
}

export function ports(pileId: number) {
  return owner()
    .from('pile_ports')
    .where('pile_id', pileId)
    .orderBy('port_no')
    .select('port_no', 'state', 'current_power_deciwatts', 'fault_code', 'updated_at')
}

export function pileRow(pileId: number) {
  return owner().from('piles').where('id', pileId).firstOrFail()
}

/** One column of a committed pile. */
export async function pileColumn(pileId: number, column: string) {
  const row = await pileRow(pileId)
  return row[column]
}

/** The states of a pile's ports, by port number. */
export async function portStates(pileId: number) {
  const rows = await ports(pileId)
  return rows.map((row) => row.state as string)
}

/** The device audit actions of a tenant, in chain order. */
export async function actionNames(tenantId: number) {
  const rows = await auditActions(tenantId)
  return rows.map((row) => row.action as string)
}

/** The error a page shows after a refused request (its flash). */
export async function flashError(browser: BrowserSession, path: string) {
  const props = await browser.props(path)
  return props.flash.error as string | undefined
}

export function auditActions(tenantId: number) {
  return owner()
    .from('audit_logs')
    .where('tenant_id', tenantId)
    .whereLike('action', 'devices.%')
    .orderBy('chain_seq')
    .select('action', 'target_id', 'after')
}

/** The refusal reason of a registry call, or 'ok'. */
export async function outcome(work: Promise<unknown>) {
  try {
    await work
    return 'ok'
  } catch (error) {
    const reason = (error as { reason?: string }).reason
    if (reason) return reason
    throw error
  }
}

/** An ICCID no other test of this run uses (20 digits). */
export function freshIccid() {
  sequence += 1
  return `8986${String(process.pid % 100000).padStart(5, '0')}${String(sequence).padStart(11, '0')}`
}

/**
 * Gives a committed pile the credentials its simulator or raw client then
 * presents (VendorSimulationOptions.credentials): a bound ICCID for DNY, a
 * 设备密钥 for the others. Returns what the device presents.
 */
export async function giveCredentials(pluginId: string, pileId: number) {
  if (pluginId === 'vendor-dny') {
    const iccid = freshIccid()
    await owner().from('piles').where('id', pileId).update({ bound_iccid: iccid })
    return iccid
  }
  const secret = generateDeviceSecret()
  await owner()
    .from('piles')
    .where('id', pileId)
    .update({ secret_hash: hashDeviceSecret(secret), secret_set_at: new Date() })
  return secret
}

/** Lets a committed pile connect without proof (tests about something else than identity). */
export function allowUnauthenticated(pileId: number) {
  return owner().from('piles').where('id', pileId).update({ allow_unauthenticated: true })
}
