import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import DeviceCommand from '#models/device_command'
import { dispatchDeviceCommand } from '#services/operations/gateway/device_command_queue'
import Pile from '#models/pile'
import PilePort from '#models/pile_port'
import Project from '#models/project'
import Station from '#models/station'
import Vendor from '#models/vendor'
import AuditService from '#core/audit/audit_service'
import DeviceRefusal, { type DeviceRefusalReason } from '#services/operations/device_refusal'
import {
  claimCodeFilter,
  displayDeviceKey,
  normalizeDeviceKey,
} from '#services/operations/device_keys'
import {
  AUTHORIZATION_KEY,
  normalizeIccid,
  SECRET_MASK,
} from '#services/operations/device_identity_service'
import TenantContext from '#core/tenancy/tenant_context'
import { portH5Url } from '#services/operations/port_stickers'
import type {
  DeviceCommandInput,
  PileClaimInput,
  PileFilters,
  PileInput,
  PileUpdateInput,
  StationFilters,
  StationInput,
  VendorInput,
} from '#validators/operations/device_validator'
import type { PileRow, StationRow } from '#services/operations/device_rows'

export type PortRow = {
  portNo: number
  state: PilePort['state']
  powerDeciwatts: number
  faultCode: string | null
  currentOrderNo: string | null
  updatedAt: string
  /** The rider H5 page of this port: what its QR sticker carries. */
  h5Url: string
}
export type CommandRow = {
  id: number
  command: DeviceCommand['command']
  portNo: number | null
  parameters: Record<string, unknown>
  status: DeviceCommand['status']
  result: Record<string, unknown> | null
  requestedBy: string | null
  createdAt: string
  finishedAt: string | null
}

export const DEVICE_PAGE_SIZE = 20
const COMMANDS_SHOWN = 20

const UNIQUE_REFUSALS: Record<string, DeviceRefusalReason> = {
  vendors_tenant_id_name_unique: 'vendorNameTaken',
  stations_tenant_id_project_id_name_unique: 'stationNameTaken',
  // Also the answer to a claim that finds nothing: another tenant's key is not told apart.
  piles_plugin_id_device_key_unique: 'deviceKeyUnavailable',
}

function escapeLike(text: string) {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`)
}

function iso(value: Date | DateTime | null) {
  if (value === null) return null
  return (value instanceof Date ? DateTime.fromJSDate(value) : value).toUTC().toISO()
}

/** Command parameters as pages show them: a pushed 设备密钥 is never shown. */
function maskSecrets(parameters: Record<string, unknown>) {
  if (!(AUTHORIZATION_KEY in parameters)) return parameters
  return { ...parameters, [AUTHORIZATION_KEY]: SECRET_MASK }
}

/** A unique or foreign-key violation, turned into the refusal staff understand. */
async function refusingConflicts<Result>(
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

/**
 * The device registry as staff use it (运维): vendors, stations, piles
 * registered by hand or claimed after they logged in unknown, and commands
 * for the gateway to send. Every change is audit-logged in its transaction.
 * What the gateway reports comes in through DeviceEventService.
 */
@inject()
export default class DeviceRegistryService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /* 厂商 */

  vendors() {
    return this.tenant.run((trx) => this.tenant.query(Vendor, trx).orderBy('name').orderBy('id'))
  }

  createVendor(input: VendorInput) {
    return refusingConflicts(() =>
      this.tenant.run(async (trx) => {
        const vendor = await Vendor.create(
          { ...this.#vendorFields(input), tenantId: this.tenant.tenantId },
          { client: trx }
        )
        await this.#record('devices.vendor_create', null, 'vendor', vendor.id, null, vendor, trx)
        return vendor
      })
    )
  }

  /** A vendor's plugin cannot change while piles speak it (the piles' key refuses it). */
  updateVendor(id: number, input: VendorInput) {
    return refusingConflicts(
      () =>
        this.tenant.run(async (trx) => {
          const vendor = await this.tenant.query(Vendor, trx).where('id', id).firstOrFail()
          const before = vendor.serialize()
          vendor.merge(this.#vendorFields(input))
          await vendor.save()
          await this.#record('devices.vendor_update', null, 'vendor', id, before, vendor, trx)
          return vendor
        }),
      'vendorHasPiles'
    )
  }

  /* 站点 */

  stations(filters: StationFilters) {
    const perPage = filters.perPage ?? DEVICE_PAGE_SIZE
    const page = filters.page ?? 1
    return this.tenant.run(async (trx) => {
      const filtered = () => {
        const query = trx
          .from('stations as s')
          .join('projects as p', 'p.id', 's.project_id')
          .where('s.tenant_id', this.tenant.tenantId)
        this.tenant.limitToProjects(query, 's.project_id')
        if (filters.name) query.whereILike('s.name', `%${escapeLike(filters.name)}%`)
        if (filters.projectId) query.where('s.project_id', filters.projectId)
        if (filters.status) query.where('s.status', filters.status)
        return query
      }
      const [{ total }] = await filtered().count('* as total')
      const rows = await filtered()
        .select(
          's.*',
          'p.name as project_name',
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
        })),
        pagination: { page, perPage, total: Number(total) },
      }
    })
  }

  createStation(input: StationInput) {
    return refusingConflicts(() =>
      this.tenant.run(async (trx) => {
        await this.#project(input.projectId, trx)
        const station = await Station.create(
          { ...this.#stationFields(input), tenantId: this.tenant.tenantId },
          { client: trx }
        )
        await this.#record(
          'devices.station_create',
          station.projectId,
          'station',
          station.id,
          null,
          station,
          trx
        )
        return station
      })
    )
  }

  /** A station with piles keeps its project (the piles' key refuses a move). */
  updateStation(id: number, input: StationInput) {
    return refusingConflicts(
      () =>
        this.tenant.run(async (trx) => {
          const station = await this.#station(id, trx)
          await this.#project(input.projectId, trx)
          const before = station.serialize()
          station.merge(this.#stationFields(input))
          await station.save()
          await this.#record(
            'devices.station_update',
            station.projectId,
            'station',
            id,
            before,
            station,
            trx
          )
          return station
        }),
      'stationHasPiles'
    )
  }

  /* 充电桩 */

  piles(filters: PileFilters) {
    const perPage = filters.perPage ?? DEVICE_PAGE_SIZE
    const page = filters.page ?? 1
    return this.tenant.run(async (trx) => {
      const filtered = () => {
        const query = this.#pileQuery(trx)
        if (filters.keyword) {
          const like = `%${escapeLike(filters.keyword)}%`
          query.where((scope) =>
            scope.whereILike('pl.name', like).orWhereILike('pl.device_key', like)
          )
        }
        if (filters.projectId) query.where('pl.project_id', filters.projectId)
        if (filters.stationId) query.where('pl.station_id', filters.stationId)
        if (filters.vendorId) query.where('pl.vendor_id', filters.vendorId)
        if (filters.online) query.where('pl.online', filters.online === 'online')
        return query
      }
      const [{ total }] = await filtered().count('* as total')
      const rows = await this.#selectPile(filtered())
        .orderBy('pl.id', 'desc')
        .limit(perPage)
        .offset((page - 1) * perPage)
      return {
        rows: rows.map((row) => this.#pileRow(row)),
        pagination: { page, perPage, total: Number(total) },
      }
    })
  }

  /** A pile with its ports and its latest commands (the detail page and its live poll). */
  pileDetail(id: number) {
    return this.tenant.run(async (trx) => {
      // Another tenant's or project's pile is as absent as a missing one: 404.
      const row = await this.#selectPile(this.#pileQuery(trx).where('pl.id', id)).firstOrFail()
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
        pile: this.#pileRow(row),
        ports: ports.map((port): PortRow => ({
          portNo: port.portNo,
          state: port.state,
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

  /** Registers a pile by hand. If it already logged in unknown, it stops waiting. */
  async createPile(input: PileInput) {
    const pile = await refusingConflicts(() =>
      this.tenant.run(async (trx) => {
        const { station, vendor } = await this.#placement(input.stationId, input.vendorId, trx)
        const deviceKey = normalizeDeviceKey(vendor.pluginId, input.deviceKey)
        if (!deviceKey) throw new DeviceRefusal('invalidDeviceKey')
        return this.#insertPile('devices.pile_create', station, vendor, deviceKey, input, trx)
      })
    )
    await this.#forgetPending(pile)
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
  async claimPile(input: PileClaimInput) {
    return db.connection('owner').transaction(async (ownerTrx) => {
      const pile = await refusingConflicts(() =>
        this.tenant.run(async (trx) => {
          const { station, vendor } = await this.#placement(input.stationId, input.vendorId, trx)
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
          return this.#insertPile(
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
      await ownerTrx
        .from('pending_piles')
        .where({ plugin_id: pile.pluginId, device_key: pile.deviceKey })
        .delete()
      return pile
    })
  }

  /** Edits a pile; its identity stays. Fewer ports drops the last ones, if no order holds them. */
  updatePile(id: number, input: PileUpdateInput) {
    return this.tenant.run(async (trx) => {
      const pile = await this.#visiblePiles(trx).where('id', id).forUpdate().firstOrFail()
      const { station, vendor } = await this.#placement(input.stationId, input.vendorId, trx)
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
      await this.#record('devices.pile_update', pile.projectId, 'pile', id, before, pile, trx)
      return pile
    })
  }

  /**
   * 远程停止 / 重启 / 设置参数: recorded as a pending command (audit-logged)
   * and queued for the gateway, which sends it and fills in the status and result.
   */
  async requestCommand(pileId: number, input: DeviceCommandInput) {
    const queued = await this.tenant.run(async (trx) => {
      const pile = await this.#visiblePiles(trx).where('id', pileId).firstOrFail()
      const portNo = input.command === 'stop' ? (input.portNo ?? null) : null
      if (input.command === 'stop') {
        if (portNo === null) throw new DeviceRefusal('commandNeedsPort')
        if (portNo > pile.portCount) throw new DeviceRefusal('portNotFound')
      }
      const parameters = input.command === 'set_parameters' ? { ...input.parameters } : {}
      if (input.command === 'set_parameters' && Object.keys(parameters).length === 0) {
        throw new DeviceRefusal('commandNeedsParameters')
      }
      const command = await DeviceCommand.create(
        {
          tenantId: this.tenant.tenantId,
          projectId: pile.projectId,
          pileId: pile.id,
          portNo,
          command: input.command,
          parameters,
          requestedByStaffId: this.tenant.staffId,
          status: 'pending',
        },
        { client: trx }
      )
      await this.#record(
        `devices.command_${input.command}`,
        pile.projectId,
        'pile',
        pile.id,
        null,
        { commandId: command.id, command: input.command, portNo, parameters },
        trx
      )
      return command
    })
    await dispatchDeviceCommand(queued.id)
    return queued
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

  async #insertPile(
    action: 'devices.pile_create' | 'devices.pile_claim',
    station: Station,
    vendor: Vendor,
    deviceKey: string,
    input: {
      name: string
      portCount: number
      firmware?: string | null
      iccid?: string | null
      boundIccid?: string | null
      protocolVersion?: string | null
      heartbeatIntervalSeconds?: number
      lastSeenIp?: string | null
    },
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
    await this.#record(action, pile.projectId, 'pile', pile.id, null, pile, trx)
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

  /** The pile is now known: a pending row for its key (if any) is obsolete. */
  async #forgetPending(pile: Pile) {
    await db
      .connection('owner')
      .from('pending_piles')
      .where({ plugin_id: pile.pluginId, device_key: pile.deviceKey })
      .delete()
  }

  async #placement(stationId: number, vendorId: number, trx: TransactionClientContract) {
    const station = await this.tenant
      .limitToProjects(this.tenant.query(Station, trx))
      .where('id', stationId)
      .first()
    if (!station) throw new DeviceRefusal('stationNotFound')
    const vendor = await this.tenant.query(Vendor, trx).where('id', vendorId).first()
    if (!vendor) throw new DeviceRefusal('vendorNotFound')
    return { station, vendor }
  }

  async #project(projectId: number, trx: TransactionClientContract) {
    const project = await this.tenant
      .limitToProjects(this.tenant.query(Project, trx), 'id')
      .where({ id: projectId, status: 'active' })
      .first()
    if (!project) throw new DeviceRefusal('projectNotFound')
    return project
  }

  #station(id: number, trx: TransactionClientContract) {
    return this.tenant
      .limitToProjects(this.tenant.query(Station, trx))
      .where('id', id)
      .forUpdate()
      .firstOrFail()
  }

  #visiblePiles(trx: TransactionClientContract) {
    return this.tenant.limitToProjects(this.tenant.query(Pile, trx))
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

  #selectPile(query: DatabaseQueryBuilderContract) {
    return query.select(
      'pl.*',
      's.name as station_name',
      'p.name as project_name',
      'v.name as vendor_name'
    )
  }

  #pileRow(row: Record<string, any>): PileRow {
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

  #vendorFields(input: VendorInput) {
    return {
      name: input.name,
      pluginId: input.pluginId,
      contact: input.contact || null,
      note: input.note || null,
    }
  }

  #stationFields(input: StationInput) {
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

  #record(
    action: string,
    projectId: number | null,
    type: string,
    id: number,
    before: unknown,
    after: { serialize(): unknown } | Record<string, unknown>,
    trx: TransactionClientContract
  ) {
    const serialized =
      typeof (after as { serialize?: unknown }).serialize === 'function'
        ? (after as { serialize(): unknown }).serialize()
        : after
    return this.audit.recordInContext(
      this.tenant,
      { action, projectId, target: { type, id }, before, after: serialized },
      trx
    )
  }
}

export type { PileRow, StationRow }
