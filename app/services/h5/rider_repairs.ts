import { DateTime } from 'luxon'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import RepairTicket, { type RepairCategory } from '#models/repair_ticket'
import H5Refusal from '#services/h5/h5_refusal'
import { isUniqueViolation, type H5Place, type H5Rider } from '#services/h5/h5_types'
import type { H5RepairTicket } from '#services/h5/repair_props'
import RepairRefusal from '#services/operations/repair_refusal'

/** Unclosed reports a rider may have at once: enough for a bad evening, not a flood. */
export const MAX_OPEN_REPAIRS_PER_RIDER = 5

/** How many of their reports 我的报修 shows, newest first. */
const LISTED = 20

const iso = (value: Date | null) => (value ? DateTime.fromJSDate(value).toUTC().toISO()! : null)

export type RepairReport = { category: RepairCategory; description?: string | null }

/**
 * The rider H5's 报修: a signed-in rider reports a faulty port of their
 * tenant's pile, and follows their own reports. Staff handle them in
 * 运维 → 报修工单 (RepairTicketService).
 */
export default class RiderRepairs {
  constructor(protected audit = new AuditService()) {}

  /** Opens a ticket: one unclosed per port and at most MAX_OPEN_REPAIRS_PER_RIDER in all. */
  async report(tenant: TenantContext, rider: H5Rider, place: H5Place, input: RepairReport) {
    if (place.tenantId !== rider.tenantId) throw new H5Refusal('signInAgain')
    try {
      return await tenant.run(async (trx) => {
        // One report of a rider at a time, so the count below holds until commit.
        await trx
          .from('riders')
          .where({ tenant_id: rider.tenantId, id: rider.riderId })
          .forUpdate()
          .firstOrFail()
        const unclosed = await trx
          .from('repair_tickets')
          .where({ tenant_id: rider.tenantId, rider_id: rider.riderId })
          .whereNot('status', 'closed')
          .select('pile_id', 'port_no')
        if (unclosed.some((row) => row.pile_id === place.pileId && row.port_no === place.portNo)) {
          throw new RepairRefusal('alreadyReported')
        }
        if (unclosed.length >= MAX_OPEN_REPAIRS_PER_RIDER) throw new RepairRefusal('tooManyOpen')
        const ticket = await RepairTicket.create(
          {
            tenantId: rider.tenantId,
            projectId: place.projectId,
            pileId: place.pileId,
            portNo: place.portNo,
            riderId: rider.riderId,
            category: input.category,
            description: input.description || null,
            status: 'open',
          },
          { client: trx }
        )
        const { pileId, portNo, category, description } = ticket
        await this.audit.recordRowChange(tenant, trx, {
          action: 'repairs.report',
          type: 'repair_ticket',
          row: ticket,
          before: null,
          after: { pileId, portNo, category, description },
        })
        return ticket.id
      })
    } catch (error) {
      // Two submits of the same report at once: the index kept one.
      if (isUniqueViolation(error)) throw new RepairRefusal('alreadyReported')
      throw error
    }
  }

  /** 我的报修: the rider's own reports, newest first. */
  mine(rider: H5Rider): Promise<H5RepairTicket[]> {
    return TenantContext.forJob(rider.tenantId).run(async (trx) => {
      const rows = await trx
        .from('repair_tickets as t')
        .join('piles as p', 'p.id', 't.pile_id')
        .join('stations as s', 's.id', 'p.station_id')
        .where({ 't.tenant_id': rider.tenantId, 't.rider_id': rider.riderId })
        .select('t.*', 'p.name as pile_name', 's.name as station_name')
        .orderBy('t.id', 'desc')
        .limit(LISTED)
      return rows.map((row) => ({
        id: Number(row.id),
        stationName: row.station_name,
        pileName: row.pile_name,
        portNo: row.port_no,
        category: row.category,
        description: row.description,
        status: row.status,
        closeNote: row.close_note,
        createdAt: iso(row.created_at)!,
        closedAt: iso(row.closed_at),
      }))
    })
  }
}
