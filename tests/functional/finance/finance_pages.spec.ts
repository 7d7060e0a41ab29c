import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { resetLoginLimits } from '#tests/helpers/login'
import { financeFixture } from '#tests/functional/finance/helpers'

const SHANGHAI = 'Asia/Shanghai'
const owner = () => db.connection('owner')
const nos = (rows: Record<string, any>[], key = 'paymentNo') => rows.map((row) => row[key])

test.group('财务 → 收款记录', (group) => {
  // No global transaction: the requests must see committed rows.
  group.each.setup(() => resetLoginLimits())

  test('filters by payment number, phone, project, purpose, status, channel and Shanghai days', async ({
    assert,
  }) => {
    const fixture = await financeFixture()
    const alice = await fixture.rider()
    const bob = await fixture.rider()
    const twoDaysAgo = DateTime.now().minus({ days: 2 }).toJSDate()
    const topUp = await fixture.payment({ riderId: alice.id, amount: 5000, bonusAmount: 100 })
    const cardFee = await fixture.payment({ riderId: bob.id, purpose: 'card_fee', amount: 1 })
    const waiting = await fixture.payment({ riderId: bob.id, status: 'created' })
    const late = await fixture.payment({
      riderId: alice.id,
      status: 'closed',
      latePaidAt: new Date(),
      projectId: fixture.otherProject.id,
      pluginId: 'payment-alipay',
      refundedAmount: 1000,
      createdAt: twoDaysAgo,
    })
    const browser = await fixture.session()
    const list = async (query = '') => {
      const props = await browser.props(`/finance/payments${query}`)
      return props.payments as Record<string, any>[]
    }

    const all = await list()
    assert.deepEqual(nos(all), [
      waiting.paymentNo,
      cardFee.paymentNo,
      topUp.paymentNo,
      late.paymentNo,
    ])
    assert.deepInclude(all[2], {
      paymentNo: topUp.paymentNo,
      riderName: alice.name,
      phone: alice.phone,
      project: fixture.project.name,
      purpose: 'topup',
      amount: 5000,
      bonusAmount: 100,
      pluginId: 'payment-sandbox',
      status: 'paid',
      latePaid: false,
      refundedAmount: 0,
    })
    assert.deepInclude(all[3], { status: 'closed', latePaid: true, refundedAmount: 1000 })
    assert.isNotNull(all[3].paidAt)

    assert.deepEqual(nos(await list(`?paymentNo=${cardFee.paymentNo}`)), [cardFee.paymentNo])
    assert.deepEqual(nos(await list(`?phone=${alice.phone}`)), [topUp.paymentNo, late.paymentNo])
    assert.deepEqual(nos(await list(`?phone=${bob.phone!.slice(0, 8)}&purpose=card_fee`)), [
      cardFee.paymentNo,
    ])
    assert.deepEqual(nos(await list(`?projectId=${fixture.otherProject.id}`)), [late.paymentNo])
    // 待支付 covers an order not yet at the provider (created) as well as pending.
    assert.deepEqual(nos(await list('?status=pending')), [waiting.paymentNo])
    assert.deepEqual(nos(await list('?status=closed')), [late.paymentNo])
    assert.deepEqual(nos(await list('?pluginId=payment-alipay')), [late.paymentNo])
    const today = DateTime.now().setZone(SHANGHAI).toISODate()
    const twoDaysAgoDay = DateTime.fromJSDate(twoDaysAgo).setZone(SHANGHAI).toISODate()
    assert.lengthOf(await list(`?from=${today}`), 3)
    assert.deepEqual(nos(await list(`?from=${twoDaysAgoDay}&to=${twoDaysAgoDay}`)), [
      late.paymentNo,
    ])

    const page = await browser.get('/finance/payments?status=refunded')
    assert.equal(page.status, 302, 'an unknown status is refused by validation')
  })

  test('pages by keyset, newest first, both ways', async ({ assert }) => {
    const fixture = await financeFixture()
    const start = Date.now() - 3_600_000
    const created = []
    for (let index = 0; index < 25; index++) {
      created.push(await fixture.payment({ createdAt: new Date(start + index * 1000) }))
    }
    const newestFirst = created.map((row) => row.paymentNo).reverse()
    const browser = await fixture.session()

    const first = await browser.props('/finance/payments')
    assert.deepEqual(nos(first.payments), newestFirst.slice(0, 20))
    assert.isNull(first.newer)
    const second = await browser.props(`/finance/payments?before=${first.older}`)
    assert.deepEqual(nos(second.payments), newestFirst.slice(20))
    assert.isNull(second.older)
    const back = await browser.props(`/finance/payments?after=${second.newer}`)
    assert.deepEqual(nos(back.payments), newestFirst.slice(0, 20))
  })

  test('staff limited to a project see its payments only; other tenants never', async ({
    assert,
  }) => {
    const fixture = await financeFixture()
    const other = await financeFixture()
    const mine = await fixture.payment()
    const otherProjects = await fixture.payment({ projectId: fixture.otherProject.id })
    await other.payment()
    await owner().insertQuery().table('staff_projects').insert({
      staff_id: fixture.staff.id,
      project_id: fixture.project.id,
      tenant_id: fixture.tenant.id,
    })
    const browser = await fixture.session()
    const props = await browser.props('/finance/payments')
    assert.deepEqual(nos(props.payments), [mine.paymentNo])
    assert.notInclude(nos(props.payments), otherProjects.paymentNo)
    const filtered = await browser.props(`/finance/payments?projectId=${fixture.otherProject.id}`)
    assert.deepEqual(filtered.payments, [])
  })

  test('staff without finance.view are refused', async ({ assert }) => {
    const fixture = await financeFixture(['operator'])
    const browser = await fixture.session()
    for (const path of ['/finance/payments', '/finance/refunds', '/finance/reconciliation']) {
      const response = await browser.get(path)
      assert.equal(response.status, 403, path)
    }
  })
})

test.group('财务 → 退款记录', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('lists refunds with their payment and rider, filtered; the banner counts the cash owed', async ({
    assert,
  }) => {
    const fixture = await financeFixture()
    const alice = await fixture.rider()
    const bob = await fixture.rider()
    const alicePaid = await fixture.payment({ riderId: alice.id, amount: 2000 })
    const bobLate = await fixture.payment({
      riderId: bob.id,
      status: 'closed',
      latePaidAt: new Date(),
    })
    const owed = await fixture.refund(alicePaid, { riderId: alice.id, debited: true })
    const done = await fixture.refund(alicePaid, {
      riderId: alice.id,
      debited: true,
      status: 'succeeded',
    })
    const lateFailed = await fixture.refund(bobLate, { riderId: bob.id, cause: 'late_payment' })
    const browser = await fixture.session()
    const list = async (query = '') => {
      const props = await browser.props(`/finance/refunds${query}`)
      return { rows: props.refunds as Record<string, any>[], awaitingCash: props.awaitingCash }
    }
    const refundNos = async (query: string) => {
      const { rows } = await list(query)
      return nos(rows, 'refundNo')
    }

    const all = await list()
    assert.equal(all.awaitingCash, 1, 'only the failed refund whose wallet was debited')
    assert.deepEqual(nos(all.rows, 'refundNo'), [lateFailed.refundNo, done.refundNo, owed.refundNo])
    assert.deepInclude(all.rows[2], {
      refundNo: owed.refundNo,
      paymentNo: alicePaid.paymentNo,
      riderName: alice.name,
      phone: alice.phone,
      project: fixture.project.name,
      amount: 500,
      cause: 'rider_refund',
      status: 'failed',
      attempts: 3,
      failure: 'NOT_ENOUGH: 商户余额不足',
      walletDebited: true,
      awaitingCash: true,
      settledOfflineAt: null,
    })
    assert.isFalse(all.rows[0].awaitingCash, 'a late payment was never credited: no debit')

    assert.deepEqual(await refundNos(`?phone=${bob.phone}`), [lateFailed.refundNo])
    assert.deepEqual(await refundNos(`?paymentNo=${alicePaid.paymentNo}`), [
      done.refundNo,
      owed.refundNo,
    ])
    assert.deepEqual(await refundNos(`?refundNo=${done.refundNo}`), [done.refundNo])
    assert.deepEqual(await refundNos('?status=succeeded'), [done.refundNo])
    assert.deepEqual(await refundNos('?cause=late_payment'), [lateFailed.refundNo])
    assert.deepEqual(await refundNos('?awaitingCash=true'), [owed.refundNo])
  })

  test('标记为线下已退: once, only for a failed refund after a debit, audited, the ledger untouched', async ({
    assert,
  }) => {
    const fixture = await financeFixture()
    const rider = await fixture.rider()
    const paid = await fixture.payment({ riderId: rider.id, amount: 3000 })
    const owed = await fixture.refund(paid, { riderId: rider.id, debited: true })
    const succeeded = await fixture.refund(paid, {
      riderId: rider.id,
      debited: true,
      status: 'succeeded',
    })
    const lateFailed = await fixture.refund(paid, { riderId: rider.id, cause: 'late_payment' })
    const ledgerBefore = await owner()
      .from('ledger_entries')
      .where('rider_id', rider.id)
      .count('* as n')
    const walletBefore = await owner().from('wallets').where('rider_id', rider.id).first()

    const browser = await fixture.session()
    const settle = (refundId: number) =>
      browser.send('POST', `/finance/refunds/${refundId}/settle-offline`, {}, '/finance/refunds')

    const done = await settle(owed.id)
    assert.equal(done.status, 302)
    const row = await owner().from('payment_refunds').where('id', owed.id).first()
    assert.isNotNull(row.settled_offline_at)
    assert.equal(Number(row.settled_offline_by), fixture.staff.id)
    assert.equal(row.status, 'failed', 'the provider refund stays failed; the cash is recorded')
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'finance.refund_settled_offline' })
    assert.lengthOf(audit, 1)
    assert.equal(audit[0].target_id, owed.refundNo)
    assert.equal(Number(audit[0].staff_id), fixture.staff.id)
    const cleared = await browser.props('/finance/refunds')
    assert.equal(cleared.awaitingCash, 0)

    for (const refused of [owed.id, succeeded.id, lateFailed.id]) {
      const response = await settle(refused)
      assert.equal(response.status, 302)
      const page = await browser.props('/finance/refunds')
      assert.isString(page.flash?.error, `refund ${refused} refused with a message`)
    }
    const after = await owner().from('payment_refunds').whereIn('id', [succeeded.id, lateFailed.id])
    assert.deepEqual(
      after.map((refund) => refund.settled_offline_at),
      [null, null]
    )
    assert.lengthOf(
      await owner()
        .from('audit_logs')
        .where({ tenant_id: fixture.tenant.id, action: 'finance.refund_settled_offline' }),
      1
    )
    assert.deepEqual(
      await owner().from('ledger_entries').where('rider_id', rider.id).count('* as n'),
      ledgerBefore
    )
    assert.deepEqual(
      await owner().from('wallets').where('rider_id', rider.id).first(),
      walletBefore
    )
  })

  test('marking needs wallet.refund', async ({ assert }) => {
    const fixture = await financeFixture(['support'])
    const rider = await fixture.rider()
    const paid = await fixture.payment({ riderId: rider.id })
    const owed = await fixture.refund(paid, { riderId: rider.id, debited: true })
    const browser = await fixture.session()
    const response = await browser.send('POST', `/finance/refunds/${owed.id}/settle-offline`)
    assert.equal(response.status, 403)
    const row = await owner().from('payment_refunds').where('id', owed.id).first()
    assert.isNull(row.settled_offline_at)
  })
})

test.group('财务 → 对账', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('立即对账 runs a day for one channel, lists the run and its difference, and is audited', async ({
    assert,
  }) => {
    const fixture = await financeFixture()
    const yesterday = DateTime.now().setZone(SHANGHAI).minus({ days: 1 }).set({ hour: 12 })
    const rider = await fixture.rider()
    await fixture.onboardSandbox(rider.id)
    // Paid in our records only: the sandbox never saw it, so its bill lacks it.
    const oursOnly = await fixture.payment({ createdAt: yesterday.toJSDate(), amount: 1234 })
    const browser = await fixture.session()

    const page = await browser.props('/finance/reconciliation')
    assert.equal(page.defaultBillDate, yesterday.toISODate())
    assert.deepEqual(page.channels, [
      { settingId: fixture.settingId, pluginId: 'payment-sandbox', project: null, enabled: true },
    ])

    const response = await browser.send(
      'POST',
      '/finance/reconciliation',
      { settingId: fixture.settingId, billDate: yesterday.toISODate() },
      '/finance/reconciliation'
    )
    assert.equal(response.status, 302)
    const runId = Number(new URL(response.location!, 'http://x').searchParams.get('run'))
    const shown = await browser.props(`/finance/reconciliation?run=${runId}`)
    assert.deepInclude(shown.runs.rows[0], {
      failure: null,
      id: runId,
      billDate: yesterday.toISODate(),
      pluginId: 'payment-sandbox',
      status: 'differences',
      billRows: 0,
      ourRows: 1,
    })
    assert.deepEqual(
      shown.differences.rows.map((row: any) => [
        row.kind,
        row.paymentNo,
        row.ourAmount,
        row.theirAmount,
      ]),
      [['missing_theirs', oursOnly.paymentNo, 1234, null]]
    )
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'finance.reconcile' })
    assert.lengthOf(audit, 1)
    assert.equal(Number(audit[0].target_id), runId)
  })

  test("another tenant's channel, a future day and staff without finance.reconcile are refused", async ({
    assert,
  }) => {
    const fixture = await financeFixture()
    const other = await financeFixture()
    const browser = await fixture.session()
    const tomorrow = DateTime.now().setZone(SHANGHAI).plus({ days: 1 }).toISODate()
    const today = DateTime.now().setZone(SHANGHAI).toISODate()
    for (const body of [
      { settingId: other.settingId, billDate: today },
      { settingId: fixture.settingId, billDate: tomorrow },
    ]) {
      const response = await browser.send(
        'POST',
        '/finance/reconciliation',
        body,
        '/finance/reconciliation'
      )
      assert.equal(response.status, 302)
    }
    const runs = await owner()
      .from('reconciliation_runs')
      .whereIn('tenant_id', [fixture.tenant.id, other.tenant.id])
    assert.lengthOf(runs, 0)

    const clerk = await financeFixture(['operator'])
    const clerkBrowser = await clerk.session()
    const refused = await clerkBrowser.send('POST', '/finance/reconciliation', {
      settingId: clerk.settingId,
      billDate: today,
    })
    assert.equal(refused.status, 403)
  })
})
