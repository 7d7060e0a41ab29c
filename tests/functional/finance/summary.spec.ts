import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import Project from '#models/project'
import SummaryService, { type SummaryFigures } from '#services/finance/summary_service'
import TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'
import { PERMISSIONS } from '#core/access/permissions'
import {
  chargingFixture,
  charging,
  endRecord,
  owner,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { paymentSetting } from '#tests/functional/finance/helpers'
import { createRider } from '#tests/functional/wallet/helpers'
import { BrowserSession } from '#tests/helpers/login'

/*
| 财务 → 汇总 ties out: a known set of postings goes through the wallet and
| charging services (committed, no global transaction), then the summary
| is compared with raw sums over the same ledger rows and payments.
*/

const wallet = new WalletService()
const today = () => DateTime.now().setZone('Asia/Shanghai').toISODate()!

/** A paid payment order of `purpose`, as the payment core leaves it. */
async function paidPayment(
  fixture: { tenant: { id: number } },
  values: { projectId: number; riderId: number; purpose: 'topup' | 'card_fee'; amount: number },
  settingId: number
) {
  const now = new Date()
  const [row] = await owner()
    .insertQuery()
    .table('payment_orders')
    .insert({
      tenant_id: fixture.tenant.id,
      project_id: values.projectId,
      rider_id: values.riderId,
      payment_no: `PS${randomUUID().replaceAll('-', '')}`.slice(0, 32),
      tenant_plugin_id: settingId,
      plugin_id: 'payment-sandbox',
      merchant_id: `fin-${fixture.tenant.id}`,
      purpose: values.purpose,
      amount: values.amount,
      bonus_amount: 0,
      status: 'paid',
      idempotency_key: randomUUID(),
      refunded_amount: 0,
      expires_at: new Date(now.getTime() + 300_000),
      paid_at: now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  return Number(row.id)
}

/**
 * Tenant: project A with the charging fixture's rider (¥10 at the counter),
 * a QR top-up of ¥20 + ¥1 bonus, a ¥5 bonus grant, a card fee of ¥0.01, one
 * card-swipe charge of 60 minutes at 100 W (¥1), a refund of ¥3; project B
 * with a second rider topped up ¥7 at the counter.
 */
async function summaryFixture() {
  const fixture = await chargingFixture({ balance: 1000 })
  const settingId = await paymentSetting(fixture.tenant.id)
  const projectB = await Project.create(
    {
      tenantId: fixture.tenant.id,
      code: `sum_${randomUUID().slice(0, 8)}`,
      name: `第二项目${fixture.tenant.id}`,
      status: 'active',
    },
    { connection: 'owner' }
  )
  const target = { riderId: fixture.rider.id, projectId: fixture.project.id }
  const qrPayment = await paidPayment(
    fixture,
    { ...target, purpose: 'topup', amount: 2000 },
    settingId
  )
  await wallet.topUpQr(fixture.asAdmin, {
    ...target,
    paymentId: qrPayment,
    realAmount: 2000,
    bonusAmount: 100,
  })
  await wallet.grantBonus(fixture.asAdmin, {
    ...target,
    bonusAmount: 500,
    idempotencyKey: `sum-bonus-${randomUUID()}`,
  })
  await paidPayment(fixture, { ...target, purpose: 'card_fee', amount: 1 }, settingId)
  const orderNo = await startedBySwipe(fixture)
  await charging.ends.settleEnd(
    fixture.system,
    endRecord(fixture, orderNo, { minutes: 60, watts: 100 })
  )
  await wallet.refund(fixture.asAdmin, {
    ...target,
    amount: 300,
    reason: '用户申请退款',
    idempotencyKey: `sum-refund-${randomUUID()}`,
  })
  const riderB = await createRider(fixture.tenant.id)
  await wallet.topUpCash(fixture.asAdmin, {
    riderId: riderB.id,
    projectId: projectB.id,
    realAmount: 700,
    idempotencyKey: `sum-b-${randomUUID()}`,
  })
  return { ...fixture, projectB, orderNo }
}

/** The same figures straight from the tables, over the tenant's rows (optionally one project). */
async function rawFigures(tenantId: number, projectId?: number) {
  const ledger = owner().from('ledger_entries').where('tenant_id', tenantId)
  if (projectId) ledger.where('project_id', projectId)
  const rows = await ledger
    .groupBy('detail_type')
    .select(
      'detail_type',
      owner().raw('SUM(real_in)::bigint as real_in'),
      owner().raw('SUM(bonus_in)::bigint as bonus_in'),
      owner().raw('SUM(real_out)::bigint as real_out'),
      owner().raw('SUM(bonus_out)::bigint as bonus_out')
    )
  const of = (type: string) =>
    rows.find((row) => row.detail_type === type) ?? {
      real_in: 0,
      bonus_in: 0,
      real_out: 0,
      bonus_out: 0,
    }
  const fees = owner()
    .from('payment_orders')
    .where({ tenant_id: tenantId, purpose: 'card_fee', status: 'paid' })
  if (projectId) fees.where('project_id', projectId)
  const [{ amount: cardFees }] = await fees.select(
    owner().raw('COALESCE(SUM(amount), 0)::bigint as amount')
  )
  const balances = owner().from('wallets').where('tenant_id', tenantId)
  if (projectId) {
    balances.whereIn('rider_id', (riders) =>
      riders
        .from('ledger_entries')
        .where({ tenant_id: tenantId, project_id: projectId })
        .select('rider_id')
    )
  }
  const [{ balance }] = await balances.select(
    owner().raw('COALESCE(SUM(real_balance), 0)::bigint as balance')
  )
  const figures: SummaryFigures = {
    topUpCounter: of('counter_topup').real_in,
    topUpQr: of('qr_topup').real_in,
    topUpBonus: of('counter_topup').bonus_in + of('qr_topup').bonus_in,
    bonusGrants: of('bonus_grant').bonus_in,
    cardFees,
    chargeReal: of('charge_settlement').real_out,
    chargeBonus: of('charge_settlement').bonus_out,
    refunds: of('refund').real_out,
    correctionsReal: of('correction').real_in - of('correction').real_out,
    correctionsBonus: of('correction').bonus_in - of('correction').bonus_out,
    net: 0,
  }
  figures.net = figures.topUpCounter + figures.topUpQr + figures.cardFees - figures.refunds
  return { figures, liability: balance as number }
}

const FIGURES: (keyof SummaryFigures)[] = [
  'topUpCounter',
  'topUpQr',
  'topUpBonus',
  'bonusGrants',
  'cardFees',
  'chargeReal',
  'chargeBonus',
  'refunds',
  'correctionsReal',
  'correctionsBonus',
  'net',
]

/** Only the money figures of a row (not its key, label or liability). */
function figuresOf(row: SummaryFigures) {
  return Object.fromEntries(FIGURES.map((key) => [key, row[key]]))
}

function sumRows(rows: SummaryFigures[]) {
  const total: Record<string, number> = {}
  for (const row of rows) {
    for (const [key, value] of Object.entries(figuresOf(row)))
      total[key] = (total[key] ?? 0) + value
  }
  return total
}

test.group('Finance summary ties out', () => {
  test('the summary equals the raw sums of the ledger rows and card fees it covers', async ({
    assert,
  }) => {
    const fixture = await summaryFixture()
    const service = new SummaryService(fixture.asAdmin)
    const summary = await service.summarize({ from: today(), to: today(), granularity: 'day' })
    const raw = await rawFigures(fixture.tenant.id)

    assert.deepEqual(figuresOf(summary.totals), figuresOf(raw.figures))
    // The known postings, to the fen.
    assert.include(summary.totals, {
      topUpCounter: 1700,
      topUpQr: 2000,
      topUpBonus: 100,
      bonusGrants: 500,
      cardFees: 1,
      refunds: 300,
      net: 3401,
    })
    assert.equal(summary.totals.chargeReal + summary.totals.chargeBonus, 100)
    assert.equal(summary.totals.liabilityEnd, raw.liability)
    assert.equal(summary.liabilityStart, 0)

    // Periods, projects, vendors and channels each add up to the totals.
    assert.deepEqual(sumRows(summary.periods), figuresOf(summary.totals))
    assert.deepEqual(sumRows(summary.projects), figuresOf(summary.totals))
    assert.equal(
      summary.projects.reduce((sum, row) => sum + row.liabilityEnd!, 0),
      raw.liability
    )
    assert.deepEqual(
      summary.vendors.map(({ channel, real, bonus, count }) => ({ channel, real, bonus, count })),
      [
        {
          channel: '科爵',
          real: summary.totals.chargeReal,
          bonus: summary.totals.chargeBonus,
          count: 1,
        },
      ]
    )
    assert.sameDeepMembers(summary.channels.topUps, [
      { channel: 'counter', real: 1700, bonus: 0, count: 2 },
      { channel: 'payment-sandbox', real: 2000, bonus: 100, count: 1 },
    ])
    assert.deepEqual(summary.channels.cardFees, [
      { channel: 'payment-sandbox', real: 1, bonus: 0, count: 1 },
    ])
    assert.deepEqual(
      summary.channels.charging.map((row) => row.channel),
      ['card']
    )

    // One project: its own rows only.
    const onlyB = await service.summarize({
      from: today(),
      to: today(),
      granularity: 'month',
      projectId: fixture.projectB.id,
    })
    const rawB = await rawFigures(fixture.tenant.id, fixture.projectB.id)
    assert.deepEqual(figuresOf(onlyB.totals), figuresOf(rawB.figures))
    assert.equal(onlyB.totals.liabilityEnd, 700)
    assert.deepEqual(
      onlyB.periods.map((row) => row.key),
      [today().slice(0, 7)]
    )
  })

  test('balances owed carry from one period into the next', async ({ assert }) => {
    const fixture = await summaryFixture()
    const service = new SummaryService(fixture.asAdmin)
    const raw = await rawFigures(fixture.tenant.id)
    const tomorrow = DateTime.fromISO(today()).plus({ days: 1 })
    const later = await service.summarize({
      from: tomorrow.toISODate()!,
      to: tomorrow.plus({ days: 2 }).toISODate()!,
      granularity: 'day',
    })
    assert.equal(later.liabilityStart, raw.liability)
    assert.lengthOf(later.periods, 3)
    for (const period of later.periods) {
      assert.equal(period.liabilityEnd, raw.liability)
      assert.equal(period.net, 0)
    }
    const earlier = await service.summarize({
      from: tomorrow.minus({ days: 40 }).toISODate()!,
      to: tomorrow.minus({ days: 2 }).toISODate()!,
      granularity: 'month',
    })
    assert.equal(earlier.totals.liabilityEnd, 0)
    assert.equal(earlier.totals.topUpCounter, 0)
  })

  test('staff limited to a project see only that project', async ({ assert }) => {
    const fixture = await summaryFixture()
    const limited = new TenantContext(
      fixture.tenant.id,
      fixture.staff.id,
      [fixture.projectB.id],
      new Set(PERMISSIONS)
    )
    const summary = await new SummaryService(limited).summarize({
      from: today(),
      to: today(),
      granularity: 'day',
    })
    const rawB = await rawFigures(fixture.tenant.id, fixture.projectB.id)
    assert.deepEqual(figuresOf(summary.totals), figuresOf(rawB.figures))
    assert.deepEqual(
      summary.projects.map((row) => row.key),
      [String(fixture.projectB.id)]
    )
    assert.deepEqual(summary.vendors, [])
    // Asking for another project's figures gives nothing.
    const other = await new SummaryService(limited).summarize({
      from: today(),
      to: today(),
      granularity: 'day',
      projectId: fixture.project.id,
    })
    assert.equal(other.totals.topUpCounter, 0)
    assert.deepEqual(other.projects, [])
  })

  test('the page shows the summary; staff limited to a project or without finance.view are kept out', async ({
    assert,
  }) => {
    const fixture = await summaryFixture()
    const browser = new BrowserSession()
    await browser.login({ account: fixture.staff.account, password: fixture.password })
    const response = await browser.get('/finance/summary')
    assert.equal(response.page?.component, 'finance/summary')
    const props = response.page!.props
    assert.equal(props.filters.from, `${today().slice(0, 8)}01`)
    assert.equal(props.summary.totals.net, 3401)

    await owner().table('staff_projects').insert({
      tenant_id: fixture.tenant.id,
      staff_id: fixture.staff.id,
      project_id: fixture.projectB.id,
    })
    const limited = await browser.props('/finance/summary')
    assert.equal(limited.summary.totals.topUpCounter, 700)
    assert.deepEqual(
      limited.projectOptions.map((project: { id: number }) => project.id),
      [fixture.projectB.id]
    )

    const support = await chargingFixture({ roles: ['support'] })
    const stranger = new BrowserSession()
    await stranger.login({ account: support.staff.account, password: support.password })
    const refused = await stranger.get('/finance/summary')
    assert.notEqual(refused.page?.component, 'finance/summary')
  })
})
