import SummaryService, { type ChannelRow, type SummaryRow } from '#services/finance/summary_service'
import OwnerFigures, { dayBounds } from '#services/data/owner_figures'
import { reportHeading, reportTable, type ReportOrigin } from './report_origin.js'
import { BREAKDOWN, type ReportCell, type ReportTable } from './report_table.js'

export type MonthlyReportFilters = {
  /** Calendar days in Shanghai, both included (a month: its first and last day). */
  from: string
  to: string
  projectId?: number
}

/**
 * 月度汇总 (财务 → 汇总 as a report): one row per project with top-ups
 * (real and bonus), bonus grants, card fees, charging revenue, refunds,
 * corrections, net and the riders' balances owed at the period's end, and
 * from the period's orders the electricity cost, owner share and 充电利润; the
 * totals are these rows' sums. Then the split of top-ups, card fees and
 * charging by channel, marked BREAKDOWN so they are not counted twice.
 * The figures are SummaryService's SQL sums, so the file ties out with the
 * 汇总 page and 账户流水.
 */
export async function monthlyReport(
  origin: ReportOrigin,
  filters: MonthlyReportFilters
): Promise<ReportTable> {
  const { tenant, i18n } = origin
  const summary = await new SummaryService(tenant).summarize({
    from: filters.from,
    to: filters.to,
    granularity: 'month',
    projectId: filters.projectId,
  })
  // 利润 from the period's orders (electricity and owner share), beside the ledger's figures.
  const profit = await new OwnerFigures(tenant).profit({
    period: dayBounds(filters.from, filters.to),
    projectId: filters.projectId,
  })
  const profitOf = new Map(profit.projects.map((row) => [String(row.projectId), row]))
  const project = (row: SummaryRow): Record<string, ReportCell> => ({
    section: i18n.t('exports.sections.project'),
    name: row.label,
    topUpReal: row.topUpCounter + row.topUpQr,
    topUpBonus: row.topUpBonus,
    bonusGrants: row.bonusGrants,
    cardFees: row.cardFees,
    chargeReal: row.chargeReal,
    chargeBonus: row.chargeBonus,
    couponDiscount: row.couponDiscount,
    refunds: row.refunds,
    corrections: row.correctionsReal,
    net: row.net,
    liabilityEnd: row.liabilityEnd,
    electricityCost: profitOf.get(row.key)?.electricityCost ?? 0,
    ownerShare: profitOf.get(row.key)?.ownerShare ?? 0,
    profit: profitOf.get(row.key)?.profit ?? 0,
  })
  const channelName = (channel: string) =>
    channel === 'counter' ? i18n.t('exports.values.counter') : channel
  const split = (
    section: 'topUps' | 'cardFees' | 'charging',
    rows: ChannelRow[],
    columns: [real: string, bonus?: string]
  ) =>
    rows.map((row): Record<string, ReportCell> => ({
      [BREAKDOWN]: 'yes',
      section: i18n.t(`exports.sections.${section}`),
      name:
        section === 'charging'
          ? i18n.t(`exports.values.orderChannel.${row.channel}`)
          : channelName(row.channel),
      [columns[0]]: row.real,
      ...(columns[1] ? { [columns[1]]: row.bonus } : {}),
    }))
  // A project with orders but no ledger movement in the period still shows its profit.
  const inLedger = new Set(summary.projects.map((row) => row.key))
  const profitOnly = profit.projects
    .filter((row) => !inLedger.has(String(row.projectId)))
    .map((row): Record<string, ReportCell> => ({
      section: i18n.t('exports.sections.project'),
      name: row.projectName,
      electricityCost: row.electricityCost,
      ownerShare: row.ownerShare,
      profit: row.profit,
    }))
  const rows = [
    ...summary.projects.map(project),
    ...profitOnly,
    ...split('topUps', summary.channels.topUps, ['topUpReal', 'topUpBonus']),
    ...split('cardFees', summary.channels.cardFees, ['cardFees']),
    ...split('charging', summary.channels.charging, ['chargeReal', 'chargeBonus']),
  ]

  async function* batches() {
    // A handful of rows (projects and channels): one batch.
    yield rows
  }
  return reportTable(
    origin,
    'monthly',
    await reportHeading(origin, filters, []),
    [
      ['section', 'text', 10],
      ['name', 'text', 16],
      ['topUpReal', 'money', 12, true],
      ['topUpBonus', 'money', 12, true],
      ['bonusGrants', 'money', 12, true],
      ['cardFees', 'money', 12, true],
      ['chargeReal', 'money', 14, true],
      ['chargeBonus', 'money', 14, true],
      ['couponDiscount', 'money', 12, true],
      ['refunds', 'money', 12, true],
      ['corrections', 'money', 12, true],
      ['net', 'money', 12, true],
      ['liabilityEnd', 'money', 14, true],
      ['electricityCost', 'money', 12, true],
      ['ownerShare', 'money', 12, true],
      ['profit', 'money', 12, true],
    ],
    {
      rowsTotal: rows.length,
      batches: batches(),
    }
  )
}
