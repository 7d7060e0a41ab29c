import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import type { PortStatus } from '#models/pile_port'
import RepairTicket, { type RepairStatus } from '#models/repair_ticket'
import { DEVICE_PAGE_SIZE, iso } from '#services/operations/registry_support'
import PortStatusService from '#services/operations/port_status_service'
import RepairRefusal from '#services/operations/repair_refusal'
import type { RepairAssigneeOption, RepairTicketRow } from '#services/operations/repair_rows'

export type RepairTicketListFilters = {
  status?: RepairStatus
  projectId?: number
  pileId?: number
  page?: number
  perPage?: number
}

/** Entries a select offers at most: a tenant's maintenance team or ticketed piles, not everything. */
const OPTION_LIMIT = 200

/**
 * 运维 → 报修工单: riders' reports in the staff member's projects, assigned
 * (待处理 → 处理中), closed with a note (已关闭), and the reported port
 * taken out of service (停用端口) or back (恢复端口). Every change is
 * audit-logged in its transaction.
 */
@inject()
export default class RepairTicketService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService,
    protected ports: PortStatusService
  ) {}

  list(filters: RepairTicketListFilters) {
    const perPage = filters.perPage ?? DEVICE_PAGE_SIZE
    const page = filters.page ?? 1
    return this.tenant.run(async (trx) => {
      const filtered = () => {
        const query = trx.from('repair_tickets as t').where('t.tenant_id', this.tenant.tenantId)
        this.tenant.limitToProjects(query, 't.project_id')
        if (filters.status) query.where('t.status', filters.status)
        if (filters.projectId) query.where('t.project_id', filters.projectId)
        if (filters.pileId) query.where('t.pile_id', filters.pileId)
        return query
      }
      const [{ total }] = await filtered().count('* as total')
      const rows = await filtered()
        .join('projects as pr', 'pr.id', 't.project_id')
        .join('piles as p', 'p.id', 't.pile_id')
        .join('stations as s', 's.id', 'p.station_id')
        .join('pile_ports as pp', (join) =>
          join.on('pp.pile_id', 't.pile_id').andOn('pp.port_no', 't.port_no')
        )
        .join('riders as r', 'r.id', 't.rider_id')
        .leftJoin('staff as a', 'a.id', 't.assignee_staff_id')
        .leftJoin('staff as c', 'c.id', 't.closed_by_staff_id')
        .select(
          't.*',
          'pr.name as project_name',
          's.name as station_name',
          'p.name as pile_name',
          'pp.status as port_status',
          'r.name as rider_name',
          'r.phone as rider_phone',
          'a.name as assignee_name',
          'c.name as closed_by_name'
        )
        .orderBy('t.id', 'desc')
        .limit(perPage)
        .offset((page - 1) * perPage)
      return {
        rows: rows.map((row): RepairTicketRow => ({
          id: row.id,
          projectId: row.project_id,
          projectName: row.project_name,
          stationName: row.station_name,
          pileId: row.pile_id,
          pileName: row.pile_name,
          portNo: row.port_no,
          portStatus: row.port_status,
          riderName: row.rider_name,
          riderPhone: row.rider_phone,
          category: row.category,
          description: row.description,
          status: row.status,
          assigneeId: row.assignee_staff_id,
          assigneeName: row.assignee_name,
          closeNote: row.close_note,
          closedBy: row.closed_by_name,
          createdAt: iso(row.created_at)!,
          assignedAt: iso(row.assigned_at),
          closedAt: iso(row.closed_at),
        })),
        pagination: { page, perPage, total: Number(total) },
      }
    })
  }

  /** The page's selects: projects and piles (those with tickets) to filter by, staff to assign to. */
  options() {
    return this.tenant.run(async (trx) => {
      const projects = await this.tenant
        .limitToProjects(trx.from('projects').where('tenant_id', this.tenant.tenantId), 'id')
        .select('id', 'name')
        .orderBy('id')
      const piles = await this.tenant.limitToProjects(
        trx
          .from('piles as p')
          .where('p.tenant_id', this.tenant.tenantId)
          .whereExists((tickets) =>
            tickets.from('repair_tickets as t').whereRaw('t.pile_id = p.id').select(trx.raw('1'))
          )
          .select('p.id', 'p.name')
          .orderBy('p.name')
          .limit(OPTION_LIMIT),
        'p.project_id'
      )
      const assignees = await this.#assignees(trx).select(
        's.id',
        's.name',
        trx.raw(
          `ARRAY(SELECT project_id FROM staff_projects sp WHERE sp.staff_id = s.id) AS project_ids`
        )
      )
      const option = (row: { id: number; name: string }) => ({ id: Number(row.id), name: row.name })
      return {
        projectOptions: projects.map(option),
        pileOptions: piles.map(option),
        assigneeOptions: assignees
          .map((row): RepairAssigneeOption => {
            const projectIds = (row.project_ids as (number | string)[]).map(Number)
            return { ...option(row), projectIds: projectIds.length === 0 ? null : projectIds }
          })
          // Someone limited to other projects than this staff member's could take none of these tickets.
          .filter(
            (assignee) =>
              assignee.projectIds === null ||
              assignee.projectIds.some((id) => this.tenant.canSeeProject(id))
          ),
      }
    })
  }

  /** 指派: to a staff member who handles repairs in the ticket's project; 待处理 becomes 处理中. */
  assign(id: number, staffId: number) {
    return this.tenant.run(async (trx) => {
      const ticket = await this.#unclosed(trx, id)
      const assignee = await this.#assignees(trx)
        .where('s.id', staffId)
        .where((scope) =>
          scope
            .whereNotExists((any) =>
              any.from('staff_projects as sp').whereRaw('sp.staff_id = s.id').select(trx.raw('1'))
            )
            .orWhereExists((mine) =>
              mine
                .from('staff_projects as sp')
                .whereRaw('sp.staff_id = s.id')
                .where('sp.project_id', ticket.projectId)
                .select(trx.raw('1'))
            )
        )
        .select('s.id', 's.name')
        .first()
      if (!assignee) throw new RepairRefusal('assigneeNotFound')
      const before = this.#state(ticket)
      ticket.merge({
        assigneeStaffId: assignee.id,
        assignedAt: DateTime.now(),
        status: 'in_progress',
      })
      await ticket.save()
      await this.#record(trx, 'repairs.assign', ticket, before, {
        ...this.#state(ticket),
        assigneeName: assignee.name,
      })
    })
  }

  /** 关闭 with what was done (or found). */
  close(id: number, note: string) {
    return this.tenant.run(async (trx) => {
      const ticket = await this.#unclosed(trx, id)
      const before = this.#state(ticket)
      ticket.merge({
        status: 'closed',
        closeNote: note,
        closedByStaffId: this.tenant.staffId,
        closedAt: DateTime.now(),
      })
      await ticket.save()
      await this.#record(trx, 'repairs.close', ticket, before, this.#state(ticket))
    })
  }

  /**
   * 停用端口 / 恢复端口 of the reported port: the port's 启用/停用 status,
   * which remote starts and card swipes check. Allowed on a closed ticket
   * too: the port usually comes back after the repair is done.
   */
  setPortStatus(id: number, status: PortStatus) {
    return this.tenant.run(async (trx) => {
      const ticket = await this.#visible(trx).where('id', id).firstOrFail()
      await this.ports.change(
        {
          pileId: ticket.pileId,
          projectId: ticket.projectId,
          portNo: ticket.portNo,
          status,
          cause: { repairTicketId: ticket.id },
        },
        trx
      )
    })
  }

  /** Tickets of the staff member's projects (another tenant's or project's is a 404). */
  #visible(trx: TransactionClientContract) {
    return this.tenant.limitToProjects(this.tenant.query(RepairTicket, trx))
  }

  async #unclosed(trx: TransactionClientContract, id: number) {
    const ticket = await this.#visible(trx).where('id', id).forUpdate().firstOrFail()
    if (ticket.status === 'closed') throw new RepairRefusal('ticketClosed')
    return ticket
  }

  #assignees(trx: TransactionClientContract) {
    return trx
      .from('staff as s')
      .where({ 's.tenant_id': this.tenant.tenantId, 's.status': 'active' })
      .whereExists((granted) =>
        granted
          .from('staff_roles as sr')
          .join('role_permissions as rp', 'rp.role_id', 'sr.role_id')
          .whereRaw('sr.staff_id = s.id')
          .where('rp.permission', 'repairs.manage')
          .select(trx.raw('1'))
      )
      .orderBy('s.name')
      .limit(OPTION_LIMIT)
  }

  #state(ticket: RepairTicket) {
    return {
      status: ticket.status,
      assigneeStaffId: ticket.assigneeStaffId,
      closeNote: ticket.closeNote,
    }
  }

  #record(
    trx: TransactionClientContract,
    action: string,
    row: RepairTicket,
    before: unknown,
    after: object
  ) {
    return this.audit.recordRowChange(this.tenant, trx, {
      action,
      type: 'repair_ticket',
      row,
      before,
      after,
    })
  }
}
