import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import PilePort from '#models/pile_port'
import Project from '#models/project'
import Station from '#models/station'
import Vendor from '#models/vendor'
import TenantContext from '#core/tenancy/tenant_context'
import { escapeLike } from '#core/tenancy/text_match'
import { AUTHORIZATION_KEY, SECRET_MASK } from '#services/operations/device_identity_service'
import { displayDeviceKey } from '#services/operations/device_keys'
import type { CommandRow, PileRow, PortRow } from '#services/operations/device_rows'
import { portH5Url } from '#services/operations/port_stickers'
import { DEVICE_PAGE_SIZE, iso } from '#services/operations/registry_support'

export type PileFilters = {
  keyword?: string
  projectId?: number
  stationId?: number
  vendorId?: number
  online?: 'online' | 'offline'
  page?: number
  perPage?: number
}

const COMMANDS_SHOWN = 20

/** Command parameters as pages show them: a pushed 设备密钥 is never shown. */
function maskSecrets(parameters: Record<string, unknown>) {
  if (!(AUTHORIZATION_KEY in parameters)) return parameters
  return { ...parameters, [AUTHORIZATION_KEY]: SECRET_MASK }
}

function pileRow(row: Record<string, any>): PileRow {
  return {
    id: row.id,
    name: row.name,
    pluginId: row.plugin_id,
    deviceKey: row.device_key,
    displayKey: displayDeviceKey(row.plugin_id, row.device_key),
    stationId: row.station_id,
    stationName: row.station_name,
    projectId: row.project_id,
    projectName: row.project_name,
    vendorId: row.vendor_id,
    vendorName: row.vendor_name,
    portCount: row.port_count,
    firmware: row.firmware,
    iccid: row.iccid,
    protocolVersion: row.protocol_version,
    heartbeatIntervalSeconds: row.heartbeat_interval_seconds,
    status: row.status,
    online: row.online,
    lastHeartbeatAt: iso(row.last_heartbeat_at),
    hasSecret: row.secret_hash !== null,
    secretSetAt: iso(row.secret_set_at),
    previousSecretValid:
      row.previous_secret_hash !== null &&
      row.previous_secret_expires_at !== null &&
      new Date(row.previous_secret_expires_at).getTime() > Date.now(),
    allowUnauthenticated: row.allow_unauthenticated,
    boundIccid: row.bound_iccid,
    identityNotice: row.identity_notice_iccid
      ? {
          iccid: row.identity_notice_iccid,
          ip: row.identity_notice_ip,
          at: iso(row.identity_notice_at)!,
        }
      : null,
  }
}

function selectPile(query: DatabaseQueryBuilderContract) {
  return query.select(
    'pl.*',
    's.name as station_name',
    'p.name as project_name',
    'v.name as vendor_name'
  )
}

/**
 * 运维 → 充电桩 as staff read it: the pile list, a pile with its ports and
 * latest commands (the detail page and its live refetch), and the selects
 * of the device pages. Walled to the staff member's projects.
 */
@inject()
export default class PileQueryService {
  constructor(protected tenant: TenantContext) {}

  /** The piles the filters pick (alias `pl`; no order, no paging); the export reads it too. */
  filtered(filters: PileFilters, trx: TransactionClientContract) {
    const query = this.#pileQuery(trx)
    if (filters.keyword) {
      const like = `%${escapeLike(filters.keyword)}%`
      query.where((scope) => scope.whereILike('pl.name', like).orWhereILike('pl.device_key', like))
    }
    if (filters.projectId) query.where('pl.project_id', filters.projectId)
    if (filters.stationId) query.where('pl.station_id', filters.stationId)
    if (filters.vendorId) query.where('pl.vendor_id', filters.vendorId)
    if (filters.online) query.where('pl.online', filters.online === 'online')
    return query
  }

  list(filters: PileFilters) {
    const perPage = filters.perPage ?? DEVICE_PAGE_SIZE
    const page = filters.page ?? 1
    return this.tenant.run(async (trx) => {
      const filtered = () => this.filtered(filters, trx)
      const [{ total }] = await filtered().count('* as total')
      const rows = await selectPile(filtered())
        .orderBy('pl.id', 'desc')
        .limit(perPage)
        .offset((page - 1) * perPage)
      return {
        rows: rows.map(pileRow),
        pagination: { page, perPage, total: Number(total) },
      }
    })
  }

  /** A pile with its ports and its latest commands (the detail page and its live poll). */
  detail(id: number) {
    return this.tenant.run(async (trx) => {
      // Another tenant's or project's pile is as absent as a missing one: 404.
      const row = await selectPile(this.#pileQuery(trx).where('pl.id', id)).firstOrFail()
      const ports = await this.tenant.query(PilePort, trx).where('pile_id', id).orderBy('port_no')
      const commands = await trx
        .from('device_commands as c')
        .leftJoin('staff as s', 's.id', 'c.requested_by_staff_id')
        .where('c.tenant_id', this.tenant.tenantId)
        .where('c.pile_id', id)
        .orderBy('c.id', 'desc')
        .limit(COMMANDS_SHOWN)
        .select('c.*', 's.name as staff_name')
      return {
        pile: pileRow(row),
        ports: ports.map((port): PortRow => ({
          portNo: port.portNo,
          state: port.state,
          status: port.status,
          powerDeciwatts: port.currentPowerDeciwatts,
          faultCode: port.faultCode,
          currentOrderNo: port.currentOrderNo,
          updatedAt: iso(port.updatedAt)!,
          h5Url: portH5Url(row.public_code, port.portNo),
        })),
        commands: commands.map((command): CommandRow => ({
          id: command.id,
          command: command.command,
          portNo: command.port_no,
          parameters: maskSecrets(command.parameters),
          status: command.status,
          result: command.result,
          requestedBy: command.staff_name,
          createdAt: iso(command.created_at)!,
          finishedAt: iso(command.finished_at),
        })),
      }
    })
  }

  /** The selects of the pages: projects, stations and vendors this staff member may use. */
  options() {
    return this.tenant.run(async (trx) => {
      const projects = await this.tenant
        .limitToProjects(this.tenant.query(Project, trx), 'id')
        .where('status', 'active')
        .orderBy('id')
      const stations = await this.tenant
        .limitToProjects(this.tenant.query(Station, trx))
        .orderBy('name')
      const vendors = await this.tenant.query(Vendor, trx).orderBy('name')
      return {
        projectOptions: projects.map((row) => ({ id: row.id, name: row.name })),
        stationOptions: stations.map((row) => ({
          id: row.id,
          name: row.name,
          projectId: row.projectId,
        })),
        vendorOptions: vendors.map((row) => ({
          id: row.id,
          name: row.name,
          pluginId: row.pluginId,
        })),
      }
    })
  }

  #pileQuery(trx: TransactionClientContract) {
    const query = trx
      .from('piles as pl')
      .join('stations as s', 's.id', 'pl.station_id')
      .join('projects as p', 'p.id', 'pl.project_id')
      .join('vendors as v', 'v.id', 'pl.vendor_id')
      .where('pl.tenant_id', this.tenant.tenantId)
    return this.tenant.limitToProjects(query, 'pl.project_id')
  }
}

export type { PileRow }
