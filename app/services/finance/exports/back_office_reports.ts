import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import type { AuditKind } from '#models/audit_log'
import AuditService from '#core/audit/audit_service'
import CardList, { type BoundCardFilters } from '#services/cards/card_list'
import AuditLogQuery, { type AuditLogFilters } from '#services/logs/audit_log_query'
import { displayDeviceKey } from '#services/operations/device_keys'
import PileQueryService, { type PileFilters } from '#services/operations/pile_query_service'
import StationService, { type StationFilters } from '#services/operations/station_service'
import RiderService, { type RiderListFilters } from '#services/riders/rider_service'
import {
  cellDate as date,
  listReport,
  pageColumn as column,
  valueLabel,
  type ReportOrigin,
} from './report_origin.js'

/*
| The back office's lists as reports (用户管理, 用卡管理, 卡片库存, stations,
| piles, 操作日志, 登录日志, 管理员): each reads the rows its page's own
| service filters, and heads its columns with the page's words.
*/

type Paged = 'page' | 'perPage' | 'sortBy' | 'sortOrder'

/** The project's name beside each row of a batch (`alias`.project_id). */
function withProject(alias: string) {
  return (batch: DatabaseQueryBuilderContract) =>
    batch
      .join('projects as p', 'p.id', `${alias}.project_id`)
      .select(`${alias}.*`, 'p.name as project_name')
}

export type RiderReportFilters = Omit<RiderListFilters, Paged>

/** 用户管理 as a report, with the page's filters, oldest registration first. */
export function ridersReport(origin: ReportOrigin, filters: RiderReportFilters) {
  const { tenant, i18n } = origin
  const riders = new RiderService(tenant, new AuditService())
  const status = valueLabel(i18n, 'ui.riders.status')
  const source = valueLabel(i18n, 'ui.riders.sources')
  return listReport(origin, filters, {
    kind: 'riders',
    table: 'riders',
    alias: 'r',
    orderedBy: 'registered_at',
    filtered: (trx) => riders.filtered(filters, trx),
    details: (batch, trx) =>
      batch.leftJoin('wallets as w', 'w.rider_id', 'r.id').select(
        'r.*',
        trx.raw('COALESCE(w.real_balance, 0) AS real_balance'),
        trx.raw('COALESCE(w.bonus_balance, 0) AS bonus_balance'),
        trx.raw(
          `(SELECT count(*) FROM cards c WHERE c.tenant_id = r.tenant_id AND c.rider_id = r.id
               AND c.status IN ('bound', 'lost')) AS card_count`
        )
      ),
    toRow: (row) => ({
      name: row.name,
      phone: row.phone,
      status: status(row.status),
      totalBalance: Number(row.real_balance) + Number(row.bonus_balance),
      realBalance: Number(row.real_balance),
      bonusBalance: Number(row.bonus_balance),
      cardCount: String(row.card_count),
      source: source(row.source),
      registeredAt: date(row.registered_at),
    }),
    shownFilters: ['name', 'phone', 'status'],
    labels: { status },
    columns: [
      column('ui.riders.name', 'name', 'text', 12),
      column('ui.riders.phone', 'phone'),
      column('ui.common.status', 'status', 'text', 8),
      column('ui.riders.totalBalance', 'totalBalance', 'money', 12),
      column('ui.riders.realBalance', 'realBalance', 'money', 12),
      column('ui.riders.bonusBalance', 'bonusBalance', 'money', 12),
      column('ui.riders.cards', 'cardCount', 'text', 8),
      column('ui.riders.source', 'source', 'text', 8),
      column('ui.riders.registeredAt', 'registeredAt', 'datetime', 20),
    ],
  })
}

export type CardReportFilters = Omit<BoundCardFilters, Paged>

/** 用卡管理 (cards that have a rider) as a report, with the page's filters. */
export function cardsReport(origin: ReportOrigin, filters: CardReportFilters) {
  return cardList(origin, filters, true)
}

/** 卡片库存 (every card in every state) as a report, with the page's filters. */
export function cardStockReport(origin: ReportOrigin, filters: CardReportFilters) {
  return cardList(origin, filters, false)
}

function cardList(origin: ReportOrigin, filters: CardReportFilters, withRider: boolean) {
  const { tenant, i18n } = origin
  const cards = new CardList(tenant)
  const status = valueLabel(i18n, 'ui.cardsPage.statuses')
  return listReport(origin, filters, {
    kind: withRider ? 'cards' : 'cardStock',
    table: 'cards',
    alias: 'c',
    filtered: (trx) => cards.filtered(filters, withRider, trx),
    details: (batch) =>
      withProject('c')(batch)
        .leftJoin('riders as r', 'r.id', 'c.rider_id')
        .select('r.name as rider_name', 'r.phone as rider_phone'),
    toRow: (row) => ({
      cardNo: row.card_no,
      status: status(row.status),
      project: row.project_name,
      riderName: row.rider_name,
      phone: row.rider_phone,
      boundAt: date(row.bound_at),
      createdAt: date(row.created_at),
    }),
    shownFilters: ['cardNo', 'status', 'phone'],
    labels: { status },
    columns: [
      column('ui.cardsPage.cardNo', 'cardNo', 'text', 16),
      column('ui.cardsPage.status', 'status', 'text', 8),
      column('ui.cardsPage.project', 'project', 'text', 16),
      column('ui.cardsPage.rider', 'riderName', 'text', 12),
      column('ui.cardsPage.phone', 'phone'),
      column('ui.cardsPage.boundAt', 'boundAt', 'datetime', 20),
      column('ui.cardsPage.createdAt', 'createdAt', 'datetime', 20),
    ],
  })
}

export type StationReportFilters = Omit<StationFilters, Paged>

/** 运维 → 站点 as a report, with the page's filters. */
export function stationsReport(origin: ReportOrigin, filters: StationReportFilters) {
  const { tenant, i18n } = origin
  const stations = new StationService(tenant, new AuditService())
  const status = valueLabel(i18n, 'ui.devicesPage.statuses')
  return listReport(origin, filters, {
    kind: 'stations',
    table: 'stations',
    alias: 's',
    filtered: (trx) => stations.filtered(filters, trx),
    details: (batch, trx) =>
      withProject('s')(batch).select(
        trx.raw('(SELECT count(*) FROM piles WHERE piles.station_id = s.id) AS pile_count')
      ),
    toRow: (row) => ({
      name: row.name,
      project: row.project_name,
      address: row.address,
      pileCount: String(row.pile_count),
      status: status(row.status),
    }),
    shownFilters: ['name', 'status'],
    labels: { status },
    columns: [
      column('ui.devicesPage.name', 'name', 'text', 20),
      column('ui.devicesPage.project', 'project', 'text', 16),
      column('ui.devicesPage.address', 'address', 'text', 28),
      column('ui.devicesPage.pileCount', 'pileCount', 'text', 8),
      column('ui.devicesPage.status', 'status', 'text', 8),
    ],
  })
}

export type PileReportFilters = Omit<PileFilters, Paged>

/** 运维 → 充电桩 as a report, with the page's filters. */
export function pilesReport(origin: ReportOrigin, filters: PileReportFilters) {
  const { tenant, i18n } = origin
  const piles = new PileQueryService(tenant)
  const status = valueLabel(i18n, 'ui.devicesPage.statuses')
  const online = (value: boolean) => i18n.t(`ui.devicesPage.${value ? 'online' : 'offline'}`)
  return listReport(origin, filters, {
    kind: 'piles',
    table: 'piles',
    alias: 'pl',
    filtered: (trx) => piles.filtered(filters, trx),
    details: (batch) =>
      withProject('pl')(batch)
        .join('stations as s', 's.id', 'pl.station_id')
        .join('vendors as v', 'v.id', 'pl.vendor_id')
        .select('s.name as station_name', 'v.name as vendor_name'),
    toRow: (row) => ({
      name: row.name,
      deviceKey: displayDeviceKey(row.plugin_id, row.device_key),
      station: row.station_name,
      project: row.project_name,
      vendor: row.vendor_name,
      portCount: String(row.port_count),
      online: online(row.online),
      lastHeartbeatAt: date(row.last_heartbeat_at),
      status: status(row.status),
    }),
    shownFilters: ['keyword', 'online'],
    labels: { online: (value: string) => online(value === 'online') },
    columns: [
      column('ui.devicesPage.name', 'name', 'text', 16),
      column('ui.devicesPage.deviceKey', 'deviceKey', 'text', 20),
      column('ui.devicesPage.station', 'station', 'text', 16),
      column('ui.devicesPage.project', 'project', 'text', 16),
      column('ui.devicesPage.vendor', 'vendor', 'text', 12),
      column('ui.devicesPage.portCount', 'portCount', 'text', 8),
      column('ui.devicesPage.connection', 'online', 'text', 8),
      column('ui.devicesPage.lastHeartbeat', 'lastHeartbeatAt', 'datetime', 20),
      column('ui.devicesPage.status', 'status', 'text', 8),
    ],
  })
}

export type AuditReportFilters = Omit<AuditLogFilters, 'page'>

/** 操作日志 as a report, with the page's filters, oldest first. */
export function operationLogsReport(origin: ReportOrigin, filters: AuditReportFilters) {
  const { i18n } = origin
  const action = valueLabel(i18n, 'ui.auditLog.actions')
  return auditLogList(origin, filters, 'operation', {
    toRow: (row) => ({
      occurredAt: date(row.occurred_at),
      staff: row.actor_name ?? row.actor_account,
      action: action(row.action),
      target: row.target_type ? `${row.target_type} #${row.target_id ?? ''}` : '',
      project: row.project_name,
      result: valueLabel(i18n, 'ui.auditLog.results')(row.result),
      ip: row.ip,
      details: JSON.stringify({ before: row.before, after: row.after }),
    }),
    columns: [
      column('ui.auditLog.time', 'occurredAt', 'datetime', 20),
      column('ui.auditLog.staff', 'staff', 'text', 12),
      column('ui.auditLog.action', 'action', 'text', 16),
      column('ui.auditLog.target', 'target', 'text', 16),
      column('ui.auditLog.project', 'project', 'text', 16),
      column('ui.auditLog.result', 'result', 'text', 8),
      column('ui.auditLog.ip', 'ip', 'text', 16),
      column('ui.auditLog.details', 'details', 'text', 40),
    ],
  })
}

/** 登录日志 as a report, with the page's filters, oldest first. */
export function loginLogsReport(origin: ReportOrigin, filters: AuditReportFilters) {
  const { i18n } = origin
  const action = valueLabel(i18n, 'ui.auditLog.actions')
  return auditLogList(origin, filters, 'login', {
    toRow: (row) => ({
      occurredAt: date(row.occurred_at),
      account: row.actor_account,
      staff: row.actor_name,
      action: action(row.action),
      result: valueLabel(i18n, 'ui.auditLog.results')(row.result),
      reason: valueLabel(i18n, 'ui.auditLog.reasons')(row.reason),
      ip: row.ip,
      userAgent: row.user_agent,
    }),
    columns: [
      column('ui.auditLog.time', 'occurredAt', 'datetime', 20),
      column('ui.auditLog.account', 'account', 'text', 14),
      column('ui.auditLog.staff', 'staff', 'text', 12),
      column('ui.auditLog.action', 'action', 'text', 12),
      column('ui.auditLog.result', 'result', 'text', 8),
      column('ui.auditLog.reason', 'reason', 'text', 16),
      column('ui.auditLog.ip', 'ip', 'text', 16),
      column('ui.auditLog.userAgent', 'userAgent', 'text', 30),
    ],
  })
}

function auditLogList(
  origin: ReportOrigin,
  filters: AuditReportFilters,
  kind: AuditKind,
  report: Pick<Parameters<typeof listReport>[2], 'toRow' | 'columns'>
) {
  const { tenant, i18n } = origin
  const logs = new AuditLogQuery(tenant)
  return listReport(origin, filters, {
    kind: kind === 'login' ? 'loginLogs' : 'operationLogs',
    table: 'audit_logs',
    alias: 'a',
    orderedBy: 'occurred_at',
    filtered: (trx) =>
      logs.narrow(
        trx.from('audit_logs as a').where({ 'a.tenant_id': tenant.tenantId, 'a.kind': kind }),
        filters
      ),
    details: (batch) =>
      batch
        .leftJoin('projects as p', 'p.id', 'a.project_id')
        .select('a.*', 'p.name as project_name'),
    shownFilters: ['action', 'account', 'result'],
    labels: {
      action: valueLabel(i18n, 'ui.auditLog.actions'),
      result: valueLabel(i18n, 'ui.auditLog.results'),
    },
    ...report,
  })
}

/** 管理员 has no filters. */
export type StaffReportFilters = Record<string, never>

/** 权限 → 管理员 as a report: each staff member with their roles and projects. */
export function staffReport(origin: ReportOrigin, filters: StaffReportFilters) {
  const { tenant, i18n } = origin
  const status = valueLabel(i18n, 'ui.staffPage.status')
  return listReport(origin, filters, {
    kind: 'staff',
    table: 'staff',
    alias: 's',
    filtered: (trx) => trx.from('staff as s').where('s.tenant_id', tenant.tenantId),
    details: (batch, trx) =>
      batch.select(
        's.*',
        trx.raw(
          `(SELECT string_agg(ro.name, '、' ORDER BY ro.id) FROM staff_roles sr
             JOIN roles ro ON ro.id = sr.role_id WHERE sr.staff_id = s.id) AS role_names`
        ),
        trx.raw(
          `(SELECT string_agg(pr.name, '、' ORDER BY pr.id) FROM staff_projects sp
             JOIN projects pr ON pr.id = sp.project_id WHERE sp.staff_id = s.id) AS project_names`
        )
      ),
    toRow: (row) => ({
      account: row.account,
      name: row.name,
      roles: row.role_names,
      projects: row.project_names ?? i18n.t('ui.staffPage.allProjects'),
      status: status(row.status),
      lastLoginAt: date(row.last_login_at),
    }),
    shownFilters: [],
    columns: [
      column('ui.staffPage.account', 'account', 'text', 14),
      column('ui.staffPage.name', 'name', 'text', 12),
      column('ui.staffPage.roles', 'roles', 'text', 20),
      column('ui.staffPage.projects', 'projects', 'text', 24),
      column('ui.common.status', 'status', 'text', 8),
      column('ui.staffPage.lastLogin', 'lastLoginAt', 'datetime', 20),
    ],
  })
}
