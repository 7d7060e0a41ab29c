import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import { createRider } from '#tests/functional/wallet/helpers'
import { resetLoginLimits } from '#tests/helpers/login'
import { ledgerFixture } from '#tests/functional/ledger/helpers'

const SHANGHAI = 'Asia/Shanghai'

test.group('账户流水 page', (group) => {
  // No global transaction: the requests must see committed postings.
  group.each.setup(() => resetLoginLimits())

  test('filters by name, phone, order number, project, detail type and Shanghai days', async ({
    assert,
  }) => {
    const fixture = await ledgerFixture()
    const alice = await createRider(fixture.tenant.id)
    const bob = await createRider(fixture.tenant.id)
    const { entry: aliceTopUp } = await fixture.topUp(alice.id, fixture.projectA.id, 5000, 100)
    await fixture.wallet.grantBonus(fixture.asAdmin, {
      riderId: alice.id,
      projectId: fixture.projectA.id,
      bonusAmount: 200,
      idempotencyKey: `bonus:${alice.id}`,
    })
    await fixture.topUp(bob.id, fixture.projectB.id, 2000)
    await fixture.wallet.deduct(fixture.asSystem, {
      riderId: alice.id,
      projectId: fixture.projectA.id,
      orderNo: `order-${alice.id}`,
      sequence: 1,
      amount: 196,
    })
    const browser = await fixture.adminSession()
    const rows = async (query: string) => {
      const page = await browser.props(`/riders/ledger${query}`)
      return page.rows as Record<string, any>[]
    }
    const ids = (list: Record<string, any>[]) => list.map((row) => row.id)

    const all = await rows('')
    assert.lengthOf(all, 4)
    // Newest first; the settlement has no operator, the top-up names the admin.
    assert.equal(all[0].detailType, 'charge_settlement')
    assert.isNull(all[0].operator)
    assert.deepInclude(all.at(-1), {
      entryNo: aliceTopUp.entryNo,
      riderName: alice.name,
      phone: alice.phone,
      detailType: 'counter_topup',
      realIn: 5000,
      bonusIn: 100,
      realOut: 0,
      bonusOut: 0,
      realAfter: 5000,
      bonusAfter: 100,
      project: fixture.projectA.name,
      operator: fixture.staff.name,
    })

    const phones = (list: Record<string, any>[]) => [...new Set(list.map((row) => row.phone))]
    assert.deepEqual(phones(await rows(`?phone=${alice.phone}`)), [alice.phone])
    assert.lengthOf(await rows(`?phone=${alice.phone}`), 3)
    // A phone prefix finds the rider too, as on the rider list.
    assert.lengthOf(
      await rows(`?phone=${bob.phone!.slice(0, 7)}&projectId=${fixture.projectB.id}`),
      1
    )
    assert.deepEqual(phones(await rows(`?name=${encodeURIComponent(bob.name)}`)), [bob.phone])
    assert.deepEqual(ids(await rows(`?entryNo=${aliceTopUp.entryNo}`)), [aliceTopUp.id])
    assert.deepEqual(phones(await rows(`?projectId=${fixture.projectB.id}`)), [bob.phone])
    const bonuses = await rows('?detailType=bonus_grant')
    assert.deepEqual(
      bonuses.map((row) => [row.phone, row.bonusIn]),
      [[alice.phone, 200]]
    )
    assert.lengthOf(await rows('?detailType=charge_settlement'), 1)

    const today = DateTime.now().setZone(SHANGHAI).toISODate()
    const tomorrow = DateTime.now().setZone(SHANGHAI).plus({ days: 1 }).toISODate()
    assert.lengthOf(await rows(`?from=${today}&to=${today}`), 4)
    assert.lengthOf(await rows(`?from=${tomorrow}`), 0)
    assert.lengthOf(
      await rows(`?to=${DateTime.now().setZone(SHANGHAI).minus({ days: 1 }).toISODate()}`),
      0
    )

    const page = await browser.props(`/riders/ledger?phone=${alice.phone}`)
    assert.equal(page.filters.phone, alice.phone)
    assert.deepInclude(page.detailTypes, { value: 'counter_topup', title: '线下充值' })
  })

  test('pages by keyset, forwards and back, newest first', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const rider = await createRider(fixture.tenant.id)
    for (let index = 1; index <= 45; index += 1) {
      await fixture.topUp(rider.id, fixture.projectA.id, index)
    }
    const browser = await fixture.adminSession()
    const amounts = (page: Record<string, any>) => page.rows.map((row: any) => row.realIn)
    const range = (from: number, to: number) =>
      Array.from({ length: from - to + 1 }, (_, index) => from - index)

    const first = await browser.props('/riders/ledger')
    assert.deepEqual(amounts(first), range(45, 26))
    assert.isNull(first.newer)

    const second = await browser.props(`/riders/ledger?before=${first.older}`)
    assert.deepEqual(amounts(second), range(25, 6))
    const third = await browser.props(`/riders/ledger?before=${second.older}`)
    assert.deepEqual(amounts(third), range(5, 1))
    assert.isNull(third.older)

    const backToSecond = await browser.props(`/riders/ledger?after=${third.newer}`)
    assert.deepEqual(amounts(backToSecond), range(25, 6))
    const backToFirst = await browser.props(`/riders/ledger?after=${backToSecond.newer}`)
    assert.deepEqual(amounts(backToFirst), range(45, 26))
    assert.isNull(backToFirst.newer)
  })

  test("staff limited to project A never see project B's rows", async ({ assert }) => {
    const fixture = await ledgerFixture()
    const rider = await createRider(fixture.tenant.id)
    await fixture.topUp(rider.id, fixture.projectA.id, 100)
    await fixture.topUp(rider.id, fixture.projectB.id, 200)
    const { browser } = await fixture.staffSession('support', [fixture.projectA.id])

    const page = await browser.props(`/riders/ledger?phone=${rider.phone}`)
    assert.deepEqual(
      page.rows.map((row: any) => [row.project, row.realIn]),
      [[fixture.projectA.name, 100]]
    )
    assert.deepEqual(
      page.projectOptions.map((option: any) => option.id),
      [fixture.projectA.id]
    )
    const asked = await browser.props(`/riders/ledger?projectId=${fixture.projectB.id}`)
    assert.lengthOf(asked.rows, 0)
    const byNumber = await browser.props('/riders/ledger?detailType=counter_topup')
    assert.notInclude(
      byNumber.rows.map((row: any) => row.project),
      fixture.projectB.name
    )
  })

  test('a role without ledger.view gets 403', async ({ assert }) => {
    const fixture = await ledgerFixture()
    const { browser } = await fixture.staffSession('maintenance')
    const response = await browser.get('/riders/ledger')
    assert.equal(response.status, 403)
  })
})
