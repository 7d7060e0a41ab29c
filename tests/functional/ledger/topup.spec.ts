import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import TopupPackage from '#models/topup_package'
import { createRider, entriesOf, walletOf } from '#tests/functional/wallet/helpers'
import { resetLoginLimits } from '#tests/helpers/login'
import { ledgerFixture } from '#tests/functional/ledger/helpers'

function createPackage(tenantId: number, projectId: number, amount: number, bonus = 0) {
  return TopupPackage.create(
    { tenantId, projectId, amount, bonus, sortOrder: 0, enabled: true },
    { connection: 'owner' }
  )
}

const key = (label: string) => `${label}-${process.pid}-${Date.now()}`.padEnd(16, '0')

test.group('充值 page: counter cash top-up', (group) => {
  // No global transaction: the requests must see committed rows.
  group.each.setup(() => resetLoginLimits())

  test('looks a rider up by phone: balances, packages of the project', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const rider = await createRider(fixture.tenant.id)
    await fixture.topUp(rider.id, fixture.projectA.id, 1234, 56)
    const fifty = await createPackage(fixture.tenant.id, fixture.projectA.id, 5000, 100)
    const disabled = await createPackage(fixture.tenant.id, fixture.projectA.id, 100)
    await db
      .connection('owner')
      .from('topup_packages')
      .where('id', disabled.id)
      .update({ enabled: false })
    await createPackage(fixture.tenant.id, fixture.projectB.id, 2000)
    const { browser } = await fixture.staffSession('operator')

    const page = await browser.props(
      `/riders/topup?phone=${rider.phone}&projectId=${fixture.projectA.id}`
    )
    assert.deepEqual(page.rider, {
      id: rider.id,
      name: rider.name,
      phone: rider.phone,
      status: 'normal',
      realBalance: 1234,
      bonusBalance: 56,
    })
    assert.equal(page.projectId, fixture.projectA.id)
    assert.deepEqual(page.packages, [{ id: fifty.id, amount: 5000, bonus: 100 }])
    assert.deepInclude(page.projects, {
      id: fixture.projectA.id,
      name: fixture.projectA.name,
      topupMax: 500000,
    })

    const unknown = await browser.props('/riders/topup?phone=13000000000')
    assert.isNull(unknown.rider)
    assert.equal(unknown.phone, '13000000000')
  })

  test('a package posts once even when the same submission arrives twice', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const rider = await createRider(fixture.tenant.id)
    const fifty = await createPackage(fixture.tenant.id, fixture.projectA.id, 5000, 100)
    const { browser, staff } = await fixture.staffSession('operator')
    const submission = {
      riderId: rider.id,
      projectId: fixture.projectA.id,
      packageId: fifty.id,
      idempotencyKey: key('double'),
    }

    await browser.get(`/riders/topup?phone=${rider.phone}`)
    const [first, second] = await Promise.all([
      browser.send('POST', '/riders/topup', submission),
      browser.send('POST', '/riders/topup', submission),
    ])
    assert.equal(first.status, 302)
    assert.equal(second.status, 302)
    const again = await browser.send('POST', '/riders/topup', submission)
    assert.equal(again.status, 302)
    const page = await browser.props(`/riders/topup?phone=${rider.phone}`)
    assert.equal(page.flash.success, '该笔充值已提交过，未重复入账')
    assert.include(page.rider, { realBalance: 5000, bonusBalance: 100 })

    const entries = await entriesOf(rider.id)
    assert.lengthOf(entries, 1)
    assert.include(entries[0], {
      detail_type: 'counter_topup',
      real_in: 5000,
      bonus_in: 100,
      operator_staff_id: staff.id,
    })
    const audit = await db
      .connection('owner')
      .from('audit_logs')
      .where({ tenant_id: fixture.tenant.id, action: 'wallet.topup_cash' })
    assert.lengthOf(audit, 1)
    assert.equal(audit[0].staff_id, staff.id)
  })

  test('a custom amount in fen; a new key is a new top-up', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const rider = await createRider(fixture.tenant.id)
    const { browser } = await fixture.staffSession('operator')
    const post = (idempotencyKey: string) =>
      browser.send('POST', '/riders/topup', {
        riderId: rider.id,
        projectId: fixture.projectA.id,
        realAmount: 1234,
        idempotencyKey,
      })
    await browser.get(`/riders/topup?phone=${rider.phone}`)
    await post(key('custom-1'))
    const page = await browser.props(`/riders/topup?phone=${rider.phone}`)
    assert.equal(page.flash.success, '充值成功')
    await post(key('custom-2'))
    const wallet = await walletOf(rider.id)
    assert.equal(wallet.real_balance, 2468)
    assert.equal(wallet.bonus_balance, 0)
  })

  test('a frozen rider is refused with a clear message', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const rider = await createRider(fixture.tenant.id, 'frozen')
    const { browser } = await fixture.staffSession('operator')
    const lookup = `/riders/topup?phone=${rider.phone}`
    await browser.get(lookup)
    const refused = await browser.send(
      'POST',
      '/riders/topup',
      {
        riderId: rider.id,
        projectId: fixture.projectA.id,
        realAmount: 5000,
        idempotencyKey: key('frozen'),
      },
      lookup
    )
    // Back on the same lookup, so the clerk still sees the rider.
    assert.equal(new URL(refused.location!).pathname + new URL(refused.location!).search, lookup)
    const page = await browser.props(lookup)
    assert.equal(page.flash.error, '用户已冻结，不能充值或扣费')
    assert.equal(page.rider.status, 'frozen')
    assert.lengthOf(await entriesOf(rider.id), 0)
  })

  test('invalid amounts are refused with a message, and nothing is posted', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const rider = await createRider(fixture.tenant.id)
    const otherProjects = await createPackage(fixture.tenant.id, fixture.projectB.id, 2000)
    const { browser } = await fixture.staffSession('operator')
    await browser.get(`/riders/topup?phone=${rider.phone}`)
    const attempt = async (body: Record<string, unknown>) => {
      await browser.send('POST', '/riders/topup', {
        riderId: rider.id,
        projectId: fixture.projectA.id,
        idempotencyKey: key('invalid'),
        ...body,
      })
      const page = await browser.props(`/riders/topup?phone=${rider.phone}`)
      return page.errors.realAmount ?? page.errors.idempotencyKey ?? page.flash.error
    }

    assert.equal(await attempt({ realAmount: 0 }), '充值金额必须大于 0')
    assert.equal(await attempt({ realAmount: -100 }), '充值金额必须大于 0')
    assert.equal(await attempt({ realAmount: 12.5 }), '充值金额必须是整数（单位：分）')
    assert.equal(await attempt({ realAmount: '5000' }), '充值金额必须是数字')
    assert.equal(await attempt({ realAmount: 500001 }), '充值金额不能超过单次充值上限 ¥5000.00')
    assert.equal(await attempt({}), '请选择充值套餐或填写充值金额')
    assert.equal(await attempt({ packageId: otherProjects.id }), '充值套餐不存在或已停用')
    assert.equal(await attempt({ realAmount: 100, idempotencyKey: 'short' }), '请求编号格式不正确')
    assert.lengthOf(await entriesOf(rider.id), 0)
  })

  test('a role without wallet.topup gets 403 and posts nothing', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const rider = await createRider(fixture.tenant.id)
    const { browser } = await fixture.staffSession('finance')
    const page = await browser.get('/riders/topup')
    assert.equal(page.status, 403)
    const response = await browser.send('POST', '/riders/topup', {
      riderId: rider.id,
      projectId: fixture.projectA.id,
      realAmount: 100,
      idempotencyKey: key('forbidden'),
    })
    assert.equal(response.status, 403)
    assert.lengthOf(await entriesOf(rider.id), 0)
  })

  test("another tenant's rider cannot be found or topped up", async ({ assert }) => {
    const fixture = await ledgerFixture()
    const victim = await ledgerFixture()
    const rider = await createRider(victim.tenant.id)
    const { browser } = await fixture.staffSession('operator')
    const lookup = await browser.props(`/riders/topup?phone=${rider.phone}`)
    assert.isNull(lookup.rider)
    await browser.send('POST', '/riders/topup', {
      riderId: rider.id,
      projectId: fixture.projectA.id,
      realAmount: 100,
      idempotencyKey: key('cross'),
    })
    assert.lengthOf(await entriesOf(rider.id), 0)
    const page = await browser.props('/riders/topup')
    assert.equal(page.flash.error, '用户不存在')
  })

  test('staff limited to project A cannot top up in project B', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const rider = await createRider(fixture.tenant.id)
    const { browser } = await fixture.staffSession('operator', [fixture.projectA.id])
    const page = await browser.props(`/riders/topup?projectId=${fixture.projectB.id}`)
    assert.deepEqual(
      page.projects.map((project: { id: number }) => project.id),
      [fixture.projectA.id]
    )
    assert.equal(page.projectId, fixture.projectA.id)
    await browser.send('POST', '/riders/topup', {
      riderId: rider.id,
      projectId: fixture.projectB.id,
      realAmount: 100,
      idempotencyKey: key('limited'),
    })
    assert.lengthOf(await entriesOf(rider.id), 0)
    const after = await browser.props('/riders/topup')
    assert.equal(after.flash.error, '无权操作该项目')
  })
})
