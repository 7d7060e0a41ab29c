import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type {
  DatabaseQueryBuilderContract,
  RawQueryBindings,
} from '@adonisjs/lucid/types/querybuilder'
import type { LedgerDetailType } from '#models/ledger_entry'
import TenantContext from '#core/tenancy/tenant_context'
import { escapeLike, wherePhonePrefix } from '#core/tenancy/text_match'
import type { LedgerRow } from '#core/wallet/ledger_rows'

/** Filters and keyset paging of the 账户流水 page; days are Shanghai calendar days (YYYY-MM-DD). */
export interface LedgerFilters {
  name?: string
  phone?: string
  entryNo?: string
  projectId?: number
  detailType?: LedgerDetailType
  from?: string
  to?: string
  /** The page after this entry id. */
  before?: number
  /** The page before this entry id. */
  after?: number
}

const LEDGER_PAGE_SIZE = 20
const DISPLAY_ZONE = 'Asia/Shanghai'
// Up to this many riders, a name or phone filter reads each one's page keys by index (about
// 13 ms for 1,000 riders on the bench data set); beyond it, their entries are dense enough in
// time for the time index walk.
const PER_RIDER_LIMIT = 2000

/**
 * Reads the account ledger (账户流水) of one tenant: newest first, filtered
 * and paged in SQL by keyset on (occurred_at, id), so a page costs the same
 * on the first and the ten-thousandth page (no OFFSET, no COUNT over a
 * million rows). Staff limited to projects see only those projects' rows.
 */
@inject()
export default class LedgerQuery {
  constructor(protected tenant: TenantContext) {}

  page(filters: LedgerFilters) {
    return this.tenant.run(async (trx) => {
      // Paging back reads the other way from the anchor, then turns the rows round.
      const backwards = filters.after !== undefined && filters.before === undefined
      const anchor = backwards ? filters.after : filters.before
      const direction = backwards ? 'asc' : 'desc'
      // Only the rows past the anchor of the page asked for.
      const keyset = (query: DatabaseQueryBuilderContract) =>
        anchor === undefined
          ? query
          : query.whereRaw(
              `(e.occurred_at, e.id) ${backwards ? '>' : '<'}
                 (SELECT occurred_at, id FROM ledger_entries WHERE id = ? AND tenant_id = ?)`,
              [anchor, this.tenant.tenantId]
            )
      // One page, plus one row to tell whether there is more, in index order.
      const pageOf = (query: DatabaseQueryBuilderContract, columns = ['e.*']) =>
        query
          .orderBy('e.occurred_at', direction)
          .orderBy('e.id', direction)
          .limit(LEDGER_PAGE_SIZE + 1)
          .select(columns)
      const riderIds = await this.#fewMatchingRiders(filters, trx)
      if (riderIds !== null && riderIds.length === 0) return { rows: [], newer: null, older: null }
      // The page is picked from ledger_entries alone, in index order; only its
      // rows are then joined to names, so the joins never see a million rows.
      let pageRows: DatabaseQueryBuilderContract
      if (riderIds === null) {
        pageRows = pageOf(keyset(this.filtered(filters, trx)))
      } else {
        // A few riders: each one's page keys through the (tenant, rider, time)
        // index (index only), merged; then the page's rows by id. Walking the
        // time index instead fetches nearly every entry of the tenant to find
        // a page of theirs.
        const perRider = pageOf(
          keyset(this.filtered({ ...filters, name: undefined, phone: undefined }, trx)).whereRaw(
            'e.rider_id = m.rider_id'
          ),
          ['e.occurred_at', 'e.id']
        ).toSQL()
        const pageIds = pageOf(
          trx
            .query()
            .from(
              trx
                .query()
                .select(trx.raw('unnest(?::bigint[]) AS rider_id', [riderIds]))
                .as('m')
            )
            .joinRaw(
              `CROSS JOIN LATERAL (${perRider.sql}) AS e`,
              perRider.bindings as RawQueryBindings
            ),
          ['e.id']
        )
        pageRows = trx
          .from('ledger_entries as e')
          .where('e.tenant_id', this.tenant.tenantId)
          .whereIn('e.id', pageIds)
          .select('e.*')
      }
      const found = await trx
        .query()
        .from(pageRows.as('e'))
        .join('riders as r', 'r.id', 'e.rider_id')
        .join('projects as p', 'p.id', 'e.project_id')
        .leftJoin('staff as s', 's.id', 'e.operator_staff_id')
        .orderBy('e.occurred_at', direction)
        .orderBy('e.id', direction)
        .select(
          'e.id',
          'e.entry_no',
          'e.detail_type',
          'e.real_in',
          'e.bonus_in',
          'e.real_out',
          'e.bonus_out',
          'e.real_after',
          'e.bonus_after',
          'e.occurred_at',
          'r.name as rider_name',
          'r.phone',
          'p.name as project_name',
          's.name as operator_name'
        )
      const more = found.length > LEDGER_PAGE_SIZE
      const rows = found.slice(0, LEDGER_PAGE_SIZE)
      if (backwards) rows.reverse()
      // Reading back from an anchor, there are always older rows: the anchor itself.
      const hasNewer = backwards ? more : anchor !== undefined
      const hasOlder = backwards || more
      return {
        rows: rows.map((row): LedgerRow => ({
          id: Number(row.id),
          entryNo: row.entry_no,
          riderName: row.rider_name,
          phone: row.phone,
          detailType: row.detail_type,
          realIn: row.real_in,
          bonusIn: row.bonus_in,
          realOut: row.real_out,
          bonusOut: row.bonus_out,
          realAfter: row.real_after,
          bonusAfter: row.bonus_after,
          project: row.project_name,
          operator: row.operator_name,
          occurredAt: new Date(row.occurred_at).toISOString(),
        })),
        // Anchors of the neighbouring pages (`after` and `before`); null where there is none.
        newer: hasNewer && rows.length ? Number(rows[0].id) : null,
        older: hasOlder && rows.length ? Number(rows[rows.length - 1].id) : null,
      }
    })
  }

  /** The ledger rows the filters pick, unordered; exports page through it too. */
  filtered(filters: LedgerFilters, trx: TransactionClientContract) {
    const tenantId = this.tenant.tenantId
    const query = trx.from('ledger_entries as e').where('e.tenant_id', tenantId)
    this.tenant.limitToProjects(query, 'e.project_id')

    if (filters.name || filters.phone) {
      query.whereIn('e.rider_id', this.#matchingRiders(filters, trx))
    }
    if (filters.entryNo) query.where('e.entry_no', filters.entryNo)
    if (filters.projectId) query.where('e.project_id', filters.projectId)
    if (filters.detailType) query.where('e.detail_type', filters.detailType)
    // Dates are calendar days in Shanghai; `to` includes its whole day.
    if (filters.from) {
      const from = DateTime.fromISO(filters.from, { zone: DISPLAY_ZONE }).startOf('day')
      query.where('e.occurred_at', '>=', from.toUTC().toISO()!)
    }
    if (filters.to) {
      const to = DateTime.fromISO(filters.to, { zone: DISPLAY_ZONE }).plus({ days: 1 })
      query.where('e.occurred_at', '<', to.startOf('day').toUTC().toISO()!)
    }
    return query
  }

  /** Ids of the riders the name and phone filters pick. */
  #matchingRiders(filters: LedgerFilters, trx: TransactionClientContract) {
    const riders = trx.from('riders').where('tenant_id', this.tenant.tenantId).select('id')
    if (filters.name) riders.whereILike('name', `%${escapeLike(filters.name)}%`)
    if (filters.phone) wherePhonePrefix(riders, 'phone', filters.phone)
    return riders
  }

  /**
   * The riders the name and phone filters pick when they are at most
   * PER_RIDER_LIMIT; null without such filters or when they pick more (then
   * their entries are dense enough in time for the time index walk).
   */
  async #fewMatchingRiders(filters: LedgerFilters, trx: TransactionClientContract) {
    if (!filters.name && !filters.phone) return null
    const found = await this.#matchingRiders(filters, trx).limit(PER_RIDER_LIMIT + 1)
    return found.length > PER_RIDER_LIMIT ? null : found.map((row) => Number(row.id))
  }
}

export type { LedgerRow }
