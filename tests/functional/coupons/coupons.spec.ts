import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import Staff from '#models/staff'
import AccessControlService from '#core/access/access_control_service'
import SummaryService from '#services/finance/summary_service'
import { BrowserSession } from '#tests/helpers/login'
import {
  charging,
  chargingFixture,
  endRecord,
  orderRow,
  outcome,
  owner,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { createRider } from '#tests/functional/cards/helpers'
import { freshPhone, portPath, signIn } from '#tests/functional/h5/helpers'
import { batchInput, batchRow, couponsAs, couponsOf } from '#tests/functional/coupons/helpers'

/*
| 用户 → 优惠券 over real HTTP and the issuing rules under concurrency:
| batches created and issued by staff, refusals that change nothing, the
| sign-up coupon, 我的优惠券, and the discount in the orders and the summary.
*/

type Fixture = Awaited<ReturnType<typeof chargingFixture>>

const COUPONS = '/riders/coupons'

async function staffBrowser(fixture: Fixture) {
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  return browser
}

async function flashOf(browser: BrowserSession, kind: 'error' | 'success') {
  const props = await browser.props(COUPONS)
  return props.flash[kind] as string | undefined
}

function batchesOf(tenantId: number) {
  return owner().from('coupon_batches').where('tenant_id', tenantId).orderBy('id')
}

/** Everything a refusal must leave alone: batches, coupons and their counts. */
async function couponState(tenantId: number) {
  const batches = await batchesOf(tenantId).select('id', 'status', 'issued_count')
  const coupons = await owner().from('rider_coupons').where('tenant_id', tenantId).count('* as n')
  return { batches, coupons: Number(coupons[0].n) }
}

/** One prop of a page, as the browser would receive it. */
async function prop(browser: BrowserSession, path: string, name: string) {
  const props = await browser.props(path)
  return props[name]
}

async function statusOf(browser: BrowserSession, path: string) {
  const response = await browser.get(path)
  return response.status
}

async function batchField(id: number, column: string) {
  const row = await batchRow(id)
  return row[column]
}

const todayInShanghai = () => DateTime.now().setZone('Asia/Shanghai').toISODate()!

test.group('Coupons: staff batches over HTTP', () => {
  test('staff create a ¥2.00 batch and issue it to a rider by phone', async ({ assert }) => {
    const fixture = await chargingFixture()
    const browser = await staffBrowser(fixture)
    const created = await browser.send(
      'POST',
      COUPONS,
      batchInput(fixture.project.id, { name: '新人立减' }),
      COUPONS
    )
    assert.equal(created.status, 302)
    const [batch] = await batchesOf(fixture.tenant.id)
    assert.include(batch, { name: '新人立减', amount_fen: 200, issued_count: 0, status: 'active' })

    await browser.send(
      'POST',
      `${COUPONS}/${batch.id}/issue`,
      { phones: [fixture.rider.phone] },
      COUPONS
    )
    assert.equal(await flashOf(browser, 'success'), '已发放 1 张')
    const [coupon] = await couponsOf(fixture.rider.id)
    assert.include(coupon, { status: 'unused', project_id: fixture.project.id })
    assert.equal(coupon.issued_by_staff_id, fixture.staff.id)
    const days = (coupon.expires_at.getTime() - coupon.issued_at.getTime()) / 86_400_000
    assert.equal(days, 30)
    assert.equal(await batchField(batch.id, 'issued_count'), 1)

    const props = await browser.props(COUPONS)
    assert.lengthOf(props.batches, 1)
    assert.include(props.batches[0], { issuedCount: 1, usedCount: 0, discountFen: 0 })
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id })
      .whereIn('action', ['coupons.create', 'coupons.issue'])
      .count('* as n')
    assert.equal(Number(audit[0].n), 2)
  })

  test('用户管理 offers the issuable batches to give one rider a coupon', async ({ assert }) => {
    const fixture = await chargingFixture()
    const coupons = couponsAs(fixture.asAdmin)
    const manual = await coupons.create(batchInput(fixture.project.id, { name: '回馈券' }))
    await coupons.create(batchInput(fixture.project.id, { issueRule: 'first_sign_in' }))
    const used = await coupons.create(batchInput(fixture.project.id, { totalCount: 1 }))
    await coupons.issue(used, [fixture.rider.phone])
    const browser = await staffBrowser(fixture)

    const offered = await prop(browser, '/riders', 'couponBatches')
    assert.deepEqual(offered, [{ id: manual, name: `回馈券（${fixture.project.name}）` }])
    await browser.send(
      'POST',
      `${COUPONS}/${manual}/issue`,
      { phones: [fixture.rider.phone] },
      '/riders'
    )
    assert.lengthOf(await couponsOf(fixture.rider.id), 2)

    const support = await chargingFixture({ roles: ['support'] })
    const supportBrowser = await staffBrowser(support)
    assert.deepEqual(await prop(supportBrowser, '/riders', 'couponBatches'), [])
  })

  test('a fixed-dates batch is valid from the first day to the end of the last', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const today = todayInShanghai()
    const coupons = couponsAs(fixture.asAdmin)
    const id = await coupons.create(
      batchInput(fixture.project.id, {
        validity: 'fixed',
        validDays: undefined,
        validFrom: today,
        validUntil: today,
      })
    )
    await coupons.issue(id, [fixture.rider.phone])
    const [coupon] = await couponsOf(fixture.rider.id)
    const start = DateTime.fromISO(today, { zone: 'Asia/Shanghai' })
    assert.equal(coupon.valid_from.getTime(), start.toMillis())
    assert.equal(coupon.expires_at.getTime(), start.plus({ days: 1 }).toMillis())
  })

  test('refusals change nothing: bad input, unknown phones, stopped, sold out, limit', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const browser = await staffBrowser(fixture)
    const coupons = couponsAs(fixture.asAdmin)
    const batchId = await coupons.create(batchInput(fixture.project.id, { totalCount: 1 }))
    const other = await createRider(fixture.tenant.id)
    const before = await couponState(fixture.tenant.id)

    const refused = [
      { amountFen: 0 },
      { amountFen: 100001 },
      { amountFen: 1.5 },
      { kind: 'free_hours', amountFen: undefined, freeHours: 25 },
      { validity: 'fixed', validFrom: '2026-13-01', validUntil: '2026-12-31' },
      { totalCount: 0 },
      { perRiderLimit: 101 },
      { name: 'x'.repeat(51) },
    ]
    for (const input of refused) {
      const response = await browser.send(
        'POST',
        COUPONS,
        { ...batchInput(fixture.project.id), ...input },
        COUPONS
      )
      assert.equal(response.status, 302, JSON.stringify(input))
    }
    const badDates = await browser.send(
      'POST',
      COUPONS,
      batchInput(fixture.project.id, {
        validity: 'fixed',
        validDays: undefined,
        validFrom: '2030-02-02',
        validUntil: '2030-02-01',
      }),
      COUPONS
    )
    assert.equal(badDates.status, 302)
    assert.equal(await flashOf(browser, 'error'), '结束日期不能早于开始日期')
    const issue = (phones: unknown) =>
      browser.send('POST', `${COUPONS}/${batchId}/issue`, { phones }, COUPONS)
    await issue([fixture.rider.phone, '13900009999'])
    assert.equal(await flashOf(browser, 'error'), '有手机号不是本系统的用户')
    await issue([fixture.rider.phone, other.phone])
    assert.equal(await flashOf(browser, 'error'), '剩余数量不足')
    await issue(['not-a-phone'])
    await issue(Array.from({ length: 201 }, (_, index) => `139${String(index).padStart(8, '0')}`))
    assert.deepEqual(await couponState(fixture.tenant.id), before)

    await coupons.issue(batchId, [fixture.rider.phone])
    await owner().from('coupon_batches').where('id', batchId).update({ total_count: 5 })
    await issue([fixture.rider.phone])
    assert.equal(await flashOf(browser, 'error'), '有用户已达每人限领数量')
    await browser.send('POST', `${COUPONS}/${batchId}/status`, { status: 'stopped' }, COUPONS)
    const stopped = await couponState(fixture.tenant.id)
    await issue([other.phone])
    assert.equal(await flashOf(browser, 'error'), '该批次已停用')
    assert.deepEqual(await couponState(fixture.tenant.id), stopped)
  })

  test('staff limited to a project neither see nor issue another project’s batch', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const [project] = await owner()
      .table('projects')
      .insert({
        tenant_id: fixture.tenant.id,
        code: `cp_${fixture.tenant.id}`,
        name: '二号项目',
        status: 'active',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
    const elsewhere = await couponsAs(fixture.asAdmin).create(batchInput(Number(project.id)))
    const limited = await Staff.create(
      {
        tenantId: fixture.tenant.id,
        account: `coupons_${process.pid}_${fixture.tenant.id}`,
        name: '运营甲',
        password: fixture.password,
        status: 'active',
        mustChangePassword: false,
      },
      { connection: 'owner' }
    )
    await new AccessControlService().grantRole(
      fixture.tenant.id,
      limited.id,
      fixture.roles.get('operator')!.id,
      owner()
    )
    await owner().table('staff_projects').insert({
      tenant_id: fixture.tenant.id,
      staff_id: limited.id,
      project_id: fixture.project.id,
    })
    const browser = new BrowserSession()
    await browser.login({ account: limited.account, password: fixture.password })
    const before = await couponState(fixture.tenant.id)

    assert.lengthOf(await prop(browser, COUPONS, 'batches'), 0)
    const issued = await browser.send(
      'POST',
      `${COUPONS}/${elsewhere}/issue`,
      { phones: [fixture.rider.phone] },
      COUPONS
    )
    assert.equal(issued.status, 404)
    await browser.send('POST', COUPONS, batchInput(Number(project.id)), COUPONS)
    assert.equal(await flashOf(browser, 'error'), '无权在该项目发券')
    assert.deepEqual(await couponState(fixture.tenant.id), before)
  })

  test('staff without coupons.manage are refused the page and the actions', async ({ assert }) => {
    const fixture = await chargingFixture({ roles: ['maintenance'] })
    const browser = await staffBrowser(fixture)
    assert.equal(await statusOf(browser, COUPONS), 403)
    const response = await browser.send('POST', COUPONS, batchInput(fixture.project.id), COUPONS)
    assert.equal(response.status, 403)
    assert.lengthOf(await batchesOf(fixture.tenant.id), 0)
  })
})

test.group('Coupons: issuing under concurrency', () => {
  test('concurrent issues never exceed the total count', async ({ assert }) => {
    const fixture = await chargingFixture()
    const coupons = couponsAs(fixture.asAdmin)
    const batchId = await coupons.create(batchInput(fixture.project.id, { totalCount: 3 }))
    const riders = await Promise.all(
      Array.from({ length: 8 }, () => createRider(fixture.tenant.id))
    )
    const outcomes = await Promise.all(
      riders.map((rider) => outcome(coupons.issue(batchId, [rider.phone])))
    )
    assert.equal(outcomes.filter((result) => result === 'ok').length, 3)
    assert.equal(outcomes.filter((result) => result === 'soldOut').length, 5)
    const issued = await owner().from('rider_coupons').where('batch_id', batchId).count('* as n')
    assert.equal(Number(issued[0].n), 3)
    assert.equal(await batchField(batchId, 'issued_count'), 3)
  })

  test('concurrent issues to one rider never exceed the per-rider limit', async ({ assert }) => {
    const fixture = await chargingFixture()
    const coupons = couponsAs(fixture.asAdmin)
    const batchId = await coupons.create(batchInput(fixture.project.id, { perRiderLimit: 2 }))
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => outcome(coupons.issue(batchId, [fixture.rider.phone])))
    )
    assert.equal(outcomes.filter((result) => result === 'ok').length, 2)
    assert.equal(outcomes.filter((result) => result === 'riderLimit').length, 4)
    assert.lengthOf(await couponsOf(fixture.rider.id), 2)
    assert.equal(await batchField(batchId, 'issued_count'), 2)
  })
})

test.group('Coupons: riders', () => {
  test('a sign-up batch gives a new rider one coupon at the H5 sign-up, once', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const coupons = couponsAs(fixture.asAdmin)
    const batchId = await coupons.create(
      batchInput(fixture.project.id, { issueRule: 'first_sign_in', perRiderLimit: 3 })
    )
    const browser = new BrowserSession()
    const path = await portPath(fixture)
    const phone = freshPhone()
    await signIn(browser, fixture, path, phone, '新骑手')
    const rider = await owner()
      .from('riders')
      .where({ tenant_id: fixture.tenant.id, phone })
      .firstOrFail()
    assert.lengthOf(await couponsOf(rider.id), 1)

    // A rider who already had an account (opened at the counter) gets none.
    await signIn(new BrowserSession(), fixture, path, fixture.rider.phone)
    assert.lengthOf(await couponsOf(rider.id), 1)
    assert.lengthOf(await couponsOf(fixture.rider.id), 0)
    assert.equal(await batchField(batchId, 'issued_count'), 1)
    assert.equal(await outcome(coupons.issue(batchId, [phone])), 'notManual')

    const page = await browser.props('/h5/coupons')
    assert.lengthOf(page.coupons, 1)
    assert.include(page.coupons[0], { status: 'unused', kind: 'amount_off', amountFen: 200 })
  })

  test('a coupon used on a charge shows on the bill, the orders, 我的优惠券 and the summary', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const coupons = couponsAs(fixture.asAdmin)
    await coupons.issue(await coupons.create(batchInput(fixture.project.id)), [fixture.rider.phone])
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 210, watts: 100 })
    )
    const order = await orderRow(orderNo)

    const staff = await staffBrowser(fixture)
    const detail = await prop(staff, `/orders/${order.id}`, 'order')
    assert.include(detail, { amountFen: 350, couponDiscountFen: 200 })
    const listed = await prop(staff, '/orders', 'orders')
    assert.equal(listed[0].couponDiscountFen, 200)
    const { batches } = await staff.props(COUPONS)
    assert.include(batches[0], { usedCount: 1, discountFen: 200 })

    const rider = new BrowserSession()
    await signIn(rider, fixture, await portPath(fixture), fixture.rider.phone)
    const h5Order = await prop(rider, `/h5/orders/${orderNo}`, 'order')
    assert.include(h5Order, { amountFen: 350, couponDiscountFen: 200 })
    const mine = await prop(rider, '/h5/coupons', 'coupons')
    assert.include(mine[0], { status: 'used', usedOrderNo: orderNo, discountFen: 200 })

    const today = todayInShanghai()
    const summary = await new SummaryService(fixture.asAdmin).summarize({
      from: today,
      to: today,
      granularity: 'day',
    })
    assert.equal(summary.totals.couponDiscount, 200)
    assert.equal(summary.totals.chargeReal + summary.totals.chargeBonus, 150)
    assert.equal(summary.projects[0].couponDiscount, 200)
    assert.equal(summary.periods.at(-1)!.couponDiscount, 200)
  })

  test('an expired coupon shows as 已过期 and signed-out riders get the sign-in page', async ({
    assert,
  }) => {
    const fixture = await chargingFixture()
    const coupons = couponsAs(fixture.asAdmin)
    await coupons.issue(await coupons.create(batchInput(fixture.project.id)), [fixture.rider.phone])
    await owner()
      .from('rider_coupons')
      .where('rider_id', fixture.rider.id)
      .update({ expires_at: new Date(Date.now() - 1000) })
    assert.equal(await statusOf(new BrowserSession(), '/h5/coupons'), 401)
    const rider = new BrowserSession()
    await signIn(rider, fixture, await portPath(fixture), fixture.rider.phone)
    const [coupon] = await prop(rider, '/h5/coupons', 'coupons')
    assert.equal(coupon.status, 'expired')
  })
})
