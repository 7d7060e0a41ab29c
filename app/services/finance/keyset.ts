import { DateTime } from 'luxon'
import type {
  ChainableContract,
  DatabaseQueryBuilderContract,
} from '@adonisjs/lucid/types/querybuilder'
import { escapeLike } from '#core/tenancy/text_match'

export const FINANCE_PAGE_SIZE = 20
const DISPLAY_ZONE = 'Asia/Shanghai'

export type Anchors = { before?: number; after?: number }

/**
 * Riders of a tenant by phone: a whole number by equality, anything shorter
 * as a prefix. Equality uses the phone index even under row-level security,
 * where LIKE (not leakproof) falls back to reading every rider.
 */
export function ridersByPhone(
  riders: DatabaseQueryBuilderContract,
  tenantId: number,
  phone: string
) {
  riders.from('riders').where('tenant_id', tenantId).select('id')
  if (/^\d{11}$/.test(phone)) riders.where('phone', phone)
  else riders.whereLike('phone', `${escapeLike(phone)}%`)
}

/**
 * Riders of a tenant whose name contains `name` (ILIKE, served by the
 * riders' trigram index of migration 0040), as the rider list matches names.
 */
export function ridersByName(riders: DatabaseQueryBuilderContract, tenantId: number, name: string) {
  riders
    .from('riders')
    .where('tenant_id', tenantId)
    .whereILike('name', `%${escapeLike(name)}%`)
    .select('id')
}

/** Calendar days in Shanghai on a timestamp column; `to` includes its whole day. */
export function whereShanghaiDays(
  query: ChainableContract,
  column: string,
  days: { from?: string; to?: string }
) {
  if (days.from) {
    const from = DateTime.fromISO(days.from, { zone: DISPLAY_ZONE }).startOf('day')
    query.where(column, '>=', from.toUTC().toISO()!)
  }
  if (days.to) {
    const to = DateTime.fromISO(days.to, { zone: DISPLAY_ZONE }).plus({ days: 1 }).startOf('day')
    query.where(column, '<', to.toUTC().toISO()!)
  }
}

/**
 * Keyset paging newest first on (created_at, id) of `table` (aliased
 * `alias`), as the 账户流水 page does: a page costs the same on the first
 * and the ten-thousandth page (no OFFSET, no COUNT over a million rows).
 * Paging back reads the other way from the anchor, then turns the rows round.
 */
export function keysetPage(
  query: DatabaseQueryBuilderContract,
  source: { table: string; alias: string; tenantId: number },
  anchors: Anchors
) {
  const { table, alias, tenantId } = source
  const backwards = anchors.after !== undefined && anchors.before === undefined
  const anchor = backwards ? anchors.after : anchors.before
  const direction = backwards ? 'asc' : 'desc'
  if (anchor !== undefined) {
    query.whereRaw(
      `(${alias}.created_at, ${alias}.id) ${backwards ? '>' : '<'}
         (SELECT created_at, id FROM ${table} WHERE id = ? AND tenant_id = ?)`,
      [anchor, tenantId]
    )
  }
  query
    .orderBy(`${alias}.created_at`, direction)
    .orderBy(`${alias}.id`, direction)
    .limit(FINANCE_PAGE_SIZE + 1)

  return {
    direction: direction as 'asc' | 'desc',
    /** The page's rows newest first, and the anchors of its neighbours (null: none). */
    finish<Row extends { id: number }>(found: Row[]) {
      const more = found.length > FINANCE_PAGE_SIZE
      const rows = found.slice(0, FINANCE_PAGE_SIZE)
      if (backwards) rows.reverse()
      // Reading back from an anchor, there are always older rows: the anchor itself.
      const hasNewer = backwards ? more : anchor !== undefined
      const hasOlder = backwards || more
      return {
        rows,
        newer: hasNewer && rows.length ? rows[0].id : null,
        older: hasOlder && rows.length ? rows[rows.length - 1].id : null,
      }
    },
  }
}
