import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import TenantContext from '#core/tenancy/tenant_context'
import ChargingOrder from '#models/charging_order'
import type {
  ChannelRow,
  FinanceSummary,
  SummaryFigures,
  SummaryGranularity,
  SummaryRow,
} from '#services/finance/finance_props'

export type { ChannelRow, FinanceSummary, SummaryFigures, SummaryGranularity, SummaryRow }

const ZONE = 'Asia/Shanghai'

export type SummaryQuery = {
  /** Calendar days in Shanghai, both included. */
  from: string
  to: string
  granularity: SummaryGranularity
  projectId?: number
}

const zero = (): SummaryFigures => ({
  topUpCounter: 0,
  topUpQr: 0,
  topUpBonus: 0,
  bonusGrants: 0,
  cardFees: 0,
  chargeReal: 0,
  chargeBonus: 0,
  refunds: 0,
  correctionsReal: 0,
  correctionsBonus: 0,
  net: 0,
})

type LedgerSums = {
  detail_type: string
  real_in: number
  bonus_in: number
  real_out: number
  bonus_out: number
}

/** Adds one group of ledger sums to the figures of its period or project. */
function addLedger(figures: SummaryFigures, row: LedgerSums) {
  switch (row.detail_type) {
    case 'counter_topup':
      figures.topUpCounter += row.real_in
      figures.topUpBonus += row.bonus_in
      break
    case 'qr_topup':
      figures.topUpQr += row.real_in
      figures.topUpBonus += row.bonus_in
      break
    case 'bonus_grant':
      figures.bonusGrants += row.bonus_in
      break
    case 'charge_settlement':
      figures.chargeReal += row.real_out
      figures.chargeBonus += row.bonus_out
      break
    case 'refund':
      figures.refunds += row.real_out
      break
    case 'correction':
      figures.correctionsReal += row.real_in - row.real_out
      figures.correctionsBonus += row.bonus_in - row.bonus_out
      break
  }
  figures.net = figures.topUpCounter + figures.topUpQr + figures.cardFees - figures.refunds
}

function addCardFees(figures: SummaryFigures, amount: number) {
  figures.cardFees += amount
  figures.net = figures.topUpCounter + figures.topUpQr + figures.cardFees - figures.refunds
}

/**
 * 财务 → 汇总: the ledger and paid card fees of a period, per day or month
 * (Asia/Shanghai), per project, vendor and channel, and riders' real
 * balances owed (the liability) at each period's end. Every figure is a SQL
 * SUM over integer fen of the rows it covers; ledger rows fall in a period
 * by occurred_at, as in 账户流水, so the two tie out. Staff limited to
 * projects see only theirs.
 */
@inject()
export default class SummaryService {
  constructor(protected tenant: TenantContext) {}

  /** The Shanghai half-open interval [start, end) of the query, in UTC. */
  static bounds(query: Pick<SummaryQuery, 'from' | 'to'>) {
    const start = DateTime.fromISO(query.from, { zone: ZONE }).startOf('day')
    const end = DateTime.fromISO(query.to, { zone: ZONE }).plus({ days: 1 }).startOf('day')
    return { start: start.toUTC().toJSDate(), end: end.toUTC().toJSDate() }
  }

  summarize(query: SummaryQuery): Promise<FinanceSummary> {
    const { start, end } = SummaryService.bounds(query)
    const bucketFormat = query.granularity === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM'
    const bucket = (column: string) =>
      `to_char(${column} AT TIME ZONE '${ZONE}', '${bucketFormat}')`

    return this.tenant.run(async (trx) => {
      const scoped = (table: string, alias: string) => {
        const builder = trx
          .from(`${table} as ${alias}`)
          .where(`${alias}.tenant_id`, this.tenant.tenantId)
        this.tenant.limitToProjects(builder, `${alias}.project_id`)
        if (query.projectId) builder.where(`${alias}.project_id`, query.projectId)
        return builder
      }
      const ledger = () =>
        scoped('ledger_entries', 'e')
          .where('e.occurred_at', '>=', start)
          .where('e.occurred_at', '<', end)
      const cardFees = () =>
        scoped('payment_orders', 'o')
          .where({ 'o.purpose': 'card_fee', 'o.status': 'paid' })
          .where('o.paid_at', '>=', start)
          .where('o.paid_at', '<', end)

      const ledgerByPeriodAndProject: (LedgerSums & { bucket: string; project_id: number })[] =
        await sums(
          ledger().groupByRaw('1, 2, 3'),
          [trx.raw(`${bucket('e.occurred_at')} as bucket`), 'e.project_id', 'e.detail_type'],
          'e'
        )
      const feesByPeriodAndProject = await cardFees()
        .groupByRaw('1, 2')
        .select(
          trx.raw(`${bucket('o.paid_at')} as bucket`),
          'o.project_id',
          trx.raw('SUM(o.amount)::bigint as amount')
        )
      const openingByProject = await scoped('ledger_entries', 'e')
        .where('e.occurred_at', '<', start)
        .groupBy('e.project_id')
        .select('e.project_id', trx.raw('SUM(e.real_in - e.real_out)::bigint as balance'))
      const projectNames = await this.#projectNames(trx, query.projectId)

      // Periods: every day or month of the range, even empty ones, in order.
      const periods = new Map<string, SummaryRow>()
      const unit = query.granularity === 'day' ? 'day' : 'month'
      const last = DateTime.fromISO(query.to, { zone: ZONE }).startOf(unit)
      for (
        let cursor = DateTime.fromISO(query.from, { zone: ZONE }).startOf(unit);
        cursor <= last;
        cursor = cursor.plus({ [unit]: 1 })
      ) {
        const key = cursor.toFormat(query.granularity === 'day' ? 'yyyy-MM-dd' : 'yyyy-MM')
        periods.set(key, { key, label: key, liabilityEnd: 0, couponDiscount: 0, ...zero() })
      }
      const projects = new Map<number, SummaryRow>()
      const projectRow = (id: number) => {
        if (!projects.has(id)) {
          projects.set(id, {
            key: String(id),
            label: projectNames.get(id) ?? String(id),
            liabilityEnd: 0,
            couponDiscount: 0,
            ...zero(),
          })
        }
        return projects.get(id)!
      }
      const totals: SummaryRow = {
        key: 'total',
        label: '',
        liabilityEnd: 0,
        couponDiscount: 0,
        ...zero(),
      }

      let liabilityStart = 0
      for (const row of openingByProject) {
        liabilityStart += row.balance
        projectRow(Number(row.project_id)).liabilityEnd! += row.balance
      }
      const movementByPeriod = new Map<string, number>()
      for (const row of ledgerByPeriodAndProject) {
        addLedger(periods.get(row.bucket)!, row)
        addLedger(projectRow(Number(row.project_id)), row)
        addLedger(totals, row)
        const movement = row.real_in - row.real_out
        movementByPeriod.set(row.bucket, (movementByPeriod.get(row.bucket) ?? 0) + movement)
        projectRow(Number(row.project_id)).liabilityEnd! += movement
      }
      for (const row of feesByPeriodAndProject) {
        addCardFees(periods.get(row.bucket)!, row.amount)
        addCardFees(projectRow(Number(row.project_id)), row.amount)
        addCardFees(totals, row.amount)
      }
      // The liability at each period's end: the opening plus every movement up to it.
      let running = liabilityStart
      for (const period of periods.values()) {
        running += movementByPeriod.get(period.key) ?? 0
        period.liabilityEnd = running
      }
      totals.liabilityEnd = running

      const discounts = await scoped(ChargingOrder.table, 'c')
        .whereIn('c.status', ['settled', 'refunded'])
        .where('c.coupon_discount_fen', '>', 0)
        .where('c.settled_at', '>=', start)
        .where('c.settled_at', '<', end)
        .groupByRaw('1, 2')
        .select(
          trx.raw(`${bucket('c.settled_at')} as bucket`),
          'c.project_id',
          trx.raw('SUM(c.coupon_discount_fen)::bigint as discount')
        )
      for (const row of discounts) {
        const discount = Number(row.discount)
        periods.get(row.bucket)!.couponDiscount += discount
        projectRow(Number(row.project_id)).couponDiscount += discount
        totals.couponDiscount += discount
      }

      // A charge settlement's entry number is its order's number.
      const settledOrders = () =>
        ledger()
          .where('e.detail_type', 'charge_settlement')
          .join(`${ChargingOrder.table} as c`, (join) =>
            join.on('c.tenant_id', 'e.tenant_id').andOn('c.order_no', 'e.entry_no')
          )
      const vendorRows = await sums(
        settledOrders().groupBy('c.vendor_id', 'c.vendor_name'),
        ['c.vendor_id', 'c.vendor_name'],
        'e',
        'COUNT(DISTINCT c.id)::bigint as count'
      )
      const chargingChannels = await sums(
        settledOrders().groupBy('c.channel'),
        ['c.channel'],
        'e',
        'COUNT(DISTINCT c.id)::bigint as count'
      )
      // A QR top-up's reference is its payment's id: the payment names the channel.
      const topUpChannels = await sums(
        ledger()
          .whereIn('e.detail_type', ['counter_topup', 'qr_topup'])
          .joinRaw(
            `LEFT JOIN payment_orders AS p ON p.tenant_id = e.tenant_id
               AND e.detail_type = 'qr_topup' AND p.id::text = e.reference`
          )
          .groupByRaw('1'),
        [trx.raw(`COALESCE(p.plugin_id, 'counter') as channel`)],
        'e',
        'COUNT(*)::bigint as count'
      )
      const feeChannels = await cardFees()
        .groupBy('o.plugin_id')
        .select(
          'o.plugin_id as channel',
          trx.raw('SUM(o.amount)::bigint as amount'),
          trx.raw('COUNT(*)::bigint as count')
        )

      return {
        periods: [...periods.values()],
        projects: [...projects.values()].sort((a, b) => Number(a.key) - Number(b.key)),
        vendors: vendorRows.map((row) => ({
          vendorId: Number(row.vendor_id),
          channel: row.vendor_name,
          real: row.real_out,
          bonus: row.bonus_out,
          count: row.count,
        })),
        channels: {
          topUps: topUpChannels.map((row) => ({
            channel: row.channel,
            real: row.real_in,
            bonus: row.bonus_in,
            count: row.count,
          })),
          cardFees: feeChannels.map((row) => ({
            channel: row.channel,
            real: row.amount,
            bonus: 0,
            count: row.count,
          })),
          charging: chargingChannels.map((row) => ({
            channel: row.channel,
            real: row.real_out,
            bonus: row.bonus_out,
            count: row.count,
          })),
        },
        totals,
        liabilityStart,
      }
    })
  }

  async #projectNames(trx: TransactionClientContract, projectId?: number) {
    const query = trx.from('projects').where('tenant_id', this.tenant.tenantId)
    this.tenant.limitToProjects(query, 'id')
    if (projectId) query.where('id', projectId)
    const rows = await query.select('id', 'name')
    return new Map(rows.map((row) => [Number(row.id), row.name as string]))
  }
}

/** The four ledger sums (BIGINT, so read as whole numbers) beside `columns`. */
function sums(
  query: DatabaseQueryBuilderContract,
  columns: unknown[],
  alias: string,
  ...extra: string[]
): Promise<any[]> {
  const client = query.client
  return query.select(
    ...(columns as string[]),
    ...['real_in', 'bonus_in', 'real_out', 'bonus_out'].map((column) =>
      client.raw(`COALESCE(SUM(${alias}.${column}), 0)::bigint as ${column}`)
    ),
    ...extra.map((sql) => client.raw(sql))
  )
}
