import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import TenantPluginService from '#plugins/tenant_plugins'
import PaymentSettlement from '#services/finance/payment_settlement'
import TenantContext from '#core/tenancy/tenant_context'
import { sandboxGateway } from '../../../plugins/payment-sandbox/gateway.js'
import { resetLoginLimits } from '#tests/helpers/login'
import { normalizeCardNo } from '#services/cards/card_number'
import {
  cardFixture,
  cardRow,
  flash,
  createRider,
  freshCardNo,
  outcome,
  owner,
  setCardFee,
  stockCards,
  uploadCards,
  xlsxOf,
} from '#tests/functional/cards/helpers'

/*
| No global transaction: the requests commit on the app connection and the
| checks read what really committed through the owner connection.
*/

function auditActions(tenantId: number) {
  return owner()
    .from('audit_logs')
    .where('tenant_id', tenantId)
    .whereLike('action', 'cards.%')
    .orderBy('chain_seq')
    .select('action', 'target_id', 'before', 'after')
}

test.group('Cards: numbers', () => {
  test('8 hex digits or 10 decimal digits of a 4-byte UID, stored upper case without spaces', ({
    assert,
  }) => {
    assert.equal(normalizeCardNo('1a2b 3c4d'), '1A2B3C4D')
    assert.equal(normalizeCardNo('0012-345-678'), '0012345678')
    assert.equal(normalizeCardNo('4294967295'), '4294967295')
    assert.isNull(normalizeCardNo('4294967296'))
    assert.isNull(normalizeCardNo('1A2B3C4'))
    assert.isNull(normalizeCardNo('1A2B3C4D5'))
    assert.isNull(normalizeCardNo('GGGGGGGG'))
    assert.isNull(normalizeCardNo(''))
  })
})

test.group('Cards: import', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('good rows are kept and bad rows are reported by row number', async ({ assert }) => {
    const { browser, tenant, project, cards } = await cardFixture()
    await stockCards(tenant.id, project.id, ['AABBCCDD'])
    const file = await xlsxOf([
      '卡号',
      '1234abcd',
      null,
      'xyz',
      '1234 ABCD',
      'AABBCCDD',
      '0012345678',
      '9999999999',
      'FFFF0000',
    ])

    const response = await uploadCards(browser, project.id, file)
    assert.equal(response.status, 302)
    assert.equal(response.location, '/cards')
    const props = await browser.props('/cards')
    assert.equal(props.importReport.imported, 3)
    assert.deepEqual(props.importReport.problems, [
      { row: 3, cardNo: '', reason: 'empty' },
      { row: 4, cardNo: 'xyz', reason: 'malformed' },
      { row: 5, cardNo: '1234ABCD', reason: 'duplicateInFile' },
      { row: 6, cardNo: 'AABBCCDD', reason: 'exists' },
      { row: 8, cardNo: '9999999999', reason: 'malformed' },
    ])
    assert.include(props.flash.error, '成功 3 张，问题 5 行')

    const stored = await cards()
    assert.deepEqual(
      stored.map((card) => [card.card_no, card.status, Number(card.project_id)]),
      [
        ['AABBCCDD', 'in_stock', project.id],
        ['1234ABCD', 'in_stock', project.id],
        ['0012345678', 'in_stock', project.id],
        ['FFFF0000', 'in_stock', project.id],
      ]
    )
    const [audit] = await auditActions(tenant.id)
    assert.equal(audit.action, 'cards.import')
    assert.equal(audit.after.count, 3)

    // The inventory lists them, searchable by number and state.
    const found = await browser.props('/cards?cardNo=1234&status=in_stock')
    // Newest first; one import inserts in file order.
    assert.deepEqual(
      found.cards.map((card: { cardNo: string }) => card.cardNo),
      ['0012345678', '1234ABCD']
    )
    assert.equal(found.pagination.total, 2)
    const paged = await browser.props('/cards?perPage=10&page=1')
    assert.equal(paged.pagination.total, 4)
  })

  test('a file that is not .xlsx, a broken one, or one too large is refused whole', async ({
    assert,
  }) => {
    const { browser, project, cards } = await cardFixture()
    const text = new TextEncoder().encode('1234ABCD\n')

    await uploadCards(browser, project.id, text, 'cards.csv', 'text/csv')
    assert.equal(await flash(browser, '/cards', 'error'), '请上传 Excel 文件（.xlsx）')

    await uploadCards(browser, project.id, text, 'cards.xlsx')
    assert.equal(await flash(browser, '/cards', 'error'), '请上传 Excel 文件（.xlsx）')

    await uploadCards(browser, project.id, new Uint8Array(3 * 1024 * 1024), 'cards.xlsx')
    assert.equal(await flash(browser, '/cards', 'error'), '文件过大，最大 2 MB')

    await uploadCards(browser, project.id, await xlsxOf(['卡号']))
    assert.equal(await flash(browser, '/cards', 'error'), '文件中没有卡号')

    assert.lengthOf(await cards(), 0)
  })

  test('staff without cards.manage cannot import', async ({ assert }) => {
    const { browser, project, cards } = await cardFixture(['support'])
    const response = await uploadCards(browser, project.id, await xlsxOf(['1234ABCD']))
    assert.equal(response.status, 403)
    assert.lengthOf(await cards(), 0)
  })
})

test.group('Cards: 开卡', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('bindWithin binds an in-stock card once and refuses every other case', async ({
    assert,
  }) => {
    const { tenant, project, asAdmin, service } = await cardFixture()
    const rider = await createRider(tenant.id)
    const frozen = await createRider(tenant.id, { status: 'frozen' })
    const [free, bound, lost, voided, forFrozen] = Array.from({ length: 5 }, freshCardNo)
    await stockCards(tenant.id, project.id, [free, forFrozen])
    await stockCards(tenant.id, project.id, [bound], { status: 'bound', riderId: rider.id })
    await stockCards(tenant.id, project.id, [lost], { status: 'lost', riderId: rider.id })
    await stockCards(tenant.id, project.id, [voided], { status: 'voided' })

    const bind = (cardNo: string, riderId: number, projectId = project.id) =>
      outcome(
        asAdmin.run((trx) =>
          service.bindWithin(asAdmin, trx, { cardNo, riderId, projectId, paymentId: 77 })
        )
      )
    assert.equal(await bind(bound, rider.id), 'cardBound')
    assert.equal(await bind(lost, rider.id), 'cardLost')
    assert.equal(await bind(voided, rider.id), 'cardVoided')
    assert.equal(await bind('0000FFFF', rider.id), 'cardNotFound')
    assert.equal(await bind('nope', rider.id), 'invalidCardNo')
    assert.equal(await bind(forFrozen, frozen.id), 'riderFrozen')
    assert.equal(await bind(forFrozen, 999999999), 'riderNotFound')
    assert.equal(await bind(free, rider.id), 'ok')
    assert.equal(await bind(free, rider.id), 'cardBound')

    const card = await cardRow(tenant.id, free)
    assert.equal(card.status, 'bound')
    assert.equal(Number(card.rider_id), rider.id)
    assert.equal(Number(card.payment_id), 77)
    assert.isNotNull(card.bound_at)
    const audits = await auditActions(tenant.id)
    assert.deepEqual(
      audits.map((row) => [row.action, row.before.status, row.after.status]),
      [['cards.bind', 'in_stock', 'bound']]
    )
  })

  test('the 开卡 lookup shows the rider and the fee, or says why not', async ({ assert }) => {
    const { browser, tenant, project } = await cardFixture()
    const rider = await createRider(tenant.id, { name: '刷卡人' })
    const frozen = await createRider(tenant.id, { status: 'frozen' })
    const [cardNo, taken] = [freshCardNo(), freshCardNo()]
    await stockCards(tenant.id, project.id, [cardNo])
    await stockCards(tenant.id, project.id, [taken], { status: 'bound', riderId: rider.id })

    const look = (card: string, phone: string) =>
      browser.props(`/riders/cards/issue?cardNo=${card}&phone=${phone}&projectId=${project.id}`)
    const found = await look(cardNo.toLowerCase(), rider.phone)
    assert.deepInclude(found.check.rider, { name: '刷卡人', phone: rider.phone, realBalance: 0 })
    assert.equal(found.check.project.cardFee, 1)
    assert.equal(found.check.cardNo, cardNo)
    assert.isNull(found.lookupError)

    const refusal = async (card: string, phone: string) => {
      const props = await look(card, phone)
      return props.lookupError
    }
    assert.equal(await refusal(cardNo, '13000000000'), '用户不存在')
    assert.equal(await refusal(taken, rider.phone), '该卡已绑定用户')
    assert.equal(await refusal(cardNo, frozen.phone), '用户已冻结，不能开卡或换卡')
  })

  test('with a fee of 0 the card binds at once; with a fee it binds once the QR payment of the fee is paid', async ({
    assert,
  }) => {
    const { browser, tenant, project } = await cardFixture(['operator'])
    const rider = await createRider(tenant.id)
    const [cardNo, paidCard] = [freshCardNo(), freshCardNo()]
    await stockCards(tenant.id, project.id, [cardNo, paidCard])

    await setCardFee(project.id, 0)
    const issued = await browser.send('POST', '/riders/cards/issue', {
      cardNo,
      phone: rider.phone,
      projectId: project.id,
      feeAccepted: true,
      idempotencyKey: 'card-issue-key-00000000',
    })
    assert.equal(issued.status, 302)
    assert.equal(issued.location, `/riders/cards?phone=${rider.phone}`)
    const list = await browser.props(issued.location!)
    assert.equal(list.flash.success, `开卡成功，卡号 ${cardNo} 已绑定`)
    assert.deepEqual(
      list.cards.map((card: { cardNo: string; status: string }) => [card.cardNo, card.status]),
      [[cardNo, 'bound']]
    )
    const riders = await browser.props(`/riders?phone=${rider.phone}`)
    assert.equal(riders.riders[0].cardCount, 1)

    await setCardFee(project.id, 1)
    const issue = (key: string) =>
      browser.send(
        'POST',
        '/riders/cards/issue',
        {
          cardNo: paidCard,
          phone: rider.phone,
          projectId: project.id,
          feeAccepted: true,
          idempotencyKey: key,
        },
        '/riders/cards/issue'
      )
    // Without a payment channel the fee cannot be taken: refused, nothing bound.
    const refused = await issue('card-issue-key-00000001')
    assert.equal(refused.status, 302)
    assert.equal(
      await flash(browser, '/riders/cards/issue', 'error'),
      '该项目未启用扫码支付，请在 配置 → 支付 中启用'
    )
    assert.propertyVal(await cardRow(tenant.id, paidCard), 'status', 'in_stock')

    // With the sandbox: a QR payment of the fee opens; once paid, the card is bound.
    const merchantId = `cf-${tenant.id}`
    const registry = await app.container.make('plugins')
    await new TenantPluginService(registry).save(TenantContext.forJob(tenant.id), {
      pluginId: 'payment-sandbox',
      projectId: null,
      enabled: true,
      config: { merchantId, signingKey: 'cards-test-signing-key' },
    })
    const opened = await issue('card-issue-key-00000002')
    assert.equal(opened.status, 302)
    const paymentId = Number(new URL(opened.location!, 'http://x').searchParams.get('payment'))
    const page = await browser.props(opened.location!)
    assert.deepInclude(page.payment, { id: paymentId, amount: 1, status: 'pending' })
    assert.propertyVal(await cardRow(tenant.id, paidCard), 'status', 'in_stock')

    const payment = await db
      .connection('owner')
      .from('payment_orders')
      .where('id', paymentId)
      .first()
    assert.deepInclude(payment, { purpose: 'card_fee', amount: 1, rider_id: rider.id })
    await sandboxGateway.pay(merchantId, payment.payment_no, { notify: false })
    await new PaymentSettlement().followUp(TenantContext.forJob(tenant.id), paymentId)
    const bound = await cardRow(tenant.id, paidCard)
    assert.deepInclude(bound, { status: 'bound', rider_id: rider.id, payment_id: paymentId })

    // The rider must agree to the non-refundable fee.
    const another = freshCardNo()
    await stockCards(tenant.id, project.id, [another])
    const unagreed = await browser.send('POST', '/riders/cards/issue', {
      cardNo: another,
      phone: rider.phone,
      projectId: project.id,
      feeAccepted: false,
      idempotencyKey: 'card-issue-key-00000003',
    })
    assert.equal(unagreed.status, 302)
    const stillInStock = await cardRow(tenant.id, another)
    assert.equal(stillInStock.status, 'in_stock')
  })

  test('the card fee is set per project in 配置 → 项目', async ({ assert }) => {
    const { browser, project } = await cardFixture()
    await browser.send('PUT', `/settings/projects/${project.id}`, {
      code: project.code,
      name: project.name,
      status: 'active',
      cardFee: 0,
    })
    const props = await browser.props('/settings/projects')
    assert.equal(props.projects.find((row: { id: number }) => row.id === project.id).cardFee, 0)
    const stored = await owner().from('projects').where('id', project.id).first()
    assert.equal(Number(stored.card_fee), 0)
  })
})

test.group('Cards: 换卡, 挂失 and swipes', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('换卡 voids the old card and binds a stock card to the same rider, free and audited', async ({
    assert,
  }) => {
    const { browser, tenant, project, cards } = await cardFixture()
    const rider = await createRider(tenant.id)
    const [oldNo, newNo, boundElsewhere] = [freshCardNo(), freshCardNo(), freshCardNo()]
    const [oldId] = await stockCards(tenant.id, project.id, [oldNo], {
      status: 'bound',
      riderId: rider.id,
    })
    await stockCards(tenant.id, project.id, [newNo])
    await stockCards(tenant.id, project.id, [boundElsewhere], {
      status: 'bound',
      riderId: rider.id,
    })

    const replace = async (newCardNo: string) => {
      await browser.send('POST', `/riders/cards/${oldId}/replace`, { newCardNo }, '/riders/cards')
      const props = await browser.props('/riders/cards')
      return props.flash.error ?? props.flash.success
    }
    assert.equal(await replace(boundElsewhere), '该卡已绑定用户')
    assert.equal(await replace(oldNo), '新卡号与原卡号相同')
    assert.equal(await replace(newNo.toLowerCase()), `换卡成功，新卡号 ${newNo}`)

    const stored = await cards()
    const old = stored.find((row) => row.card_no === oldNo)
    const fresh = stored.find((row) => row.card_no === newNo)
    assert.equal(old.status, 'voided')
    assert.equal(Number(old.replaced_by_id), Number(fresh.id))
    assert.equal(Number(old.rider_id), rider.id)
    assert.equal(fresh.status, 'bound')
    assert.equal(Number(fresh.rider_id), rider.id)
    assert.isNull(fresh.payment_id)
    assert.equal(await replace(newNo), '该卡不是已绑定状态')

    const audits = await auditActions(tenant.id)
    assert.deepEqual(
      audits.map((row) => [row.action, row.after.cardNo, row.after.status]),
      [
        ['cards.replace', oldNo, 'voided'],
        ['cards.bind', newNo, 'bound'],
      ]
    )
  })

  test('挂失 stops a card at once, 解挂 brings it back; swipes see both', async ({ assert }) => {
    const { browser, tenant, project, asAdmin, service } = await cardFixture()
    const rider = await createRider(tenant.id)
    const frozen = await createRider(tenant.id, { status: 'frozen' })
    const [cardNo, frozenCard, stock, voided] = Array.from({ length: 4 }, freshCardNo)
    const [cardId] = await stockCards(tenant.id, project.id, [cardNo], {
      status: 'bound',
      riderId: rider.id,
    })
    await stockCards(tenant.id, project.id, [frozenCard], { status: 'bound', riderId: frozen.id })
    await stockCards(tenant.id, project.id, [stock])
    await stockCards(tenant.id, project.id, [voided], { status: 'voided', riderId: rider.id })

    const swipe = (number: string) =>
      asAdmin.run(async (trx) => {
        const result = await service.authorizeSwipe(asAdmin, trx, number)
        return result.ok ? `ok:${result.rider.id}:${result.wallet?.realBalance}` : result.reason
      })
    assert.equal(await swipe(cardNo.toLowerCase()), `ok:${rider.id}:0`)
    assert.equal(await swipe(frozenCard), 'frozen')
    assert.equal(await swipe(stock), 'unknown')
    assert.equal(await swipe(voided), 'voided')
    assert.equal(await swipe('0BADCAFE'), 'unknown')
    assert.equal(await swipe('not a card'), 'unknown')

    await browser.send('POST', `/riders/cards/${cardId}/lost`, {}, '/riders/cards')
    assert.equal(await flash(browser, '/riders/cards', 'success'), '挂失成功，该卡已停用')
    assert.equal(await swipe(cardNo), 'lost')
    await browser.send('POST', `/riders/cards/${cardId}/lost`, {}, '/riders/cards')
    assert.equal(await flash(browser, '/riders/cards', 'error'), '该卡不是已绑定状态')

    await browser.send('POST', `/riders/cards/${cardId}/found`, {}, '/riders/cards')
    assert.equal(await flash(browser, '/riders/cards', 'success'), '解挂成功，该卡已恢复使用')
    assert.equal(await swipe(cardNo), `ok:${rider.id}:0`)

    const audits = await auditActions(tenant.id)
    assert.deepEqual(
      audits.map((row) => [row.action, row.before.status, row.after.status]),
      [
        ['cards.report_lost', 'bound', 'lost'],
        ['cards.cancel_lost', 'lost', 'bound'],
      ]
    )
  })

  test('用卡管理 lists cards with their riders, filtered by phone, number and state', async ({
    assert,
  }) => {
    const { browser, tenant, project } = await cardFixture()
    const first = await createRider(tenant.id, { name: '甲' })
    const second = await createRider(tenant.id, { name: '乙' })
    const [a, b, c] = Array.from({ length: 3 }, freshCardNo)
    await stockCards(tenant.id, project.id, [a], { status: 'bound', riderId: first.id })
    await stockCards(tenant.id, project.id, [b], { status: 'lost', riderId: second.id })
    await stockCards(tenant.id, project.id, [c])

    const all = await browser.props('/riders/cards')
    assert.sameMembers(
      all.cards.map((card: { cardNo: string }) => card.cardNo),
      [a, b]
    )
    const byPhone = await browser.props(`/riders/cards?phone=${second.phone}`)
    assert.deepEqual(
      byPhone.cards.map((card: { riderName: string; status: string }) => [
        card.riderName,
        card.status,
      ]),
      [['乙', 'lost']]
    )
    const byState = await browser.props('/riders/cards?status=bound')
    assert.deepEqual(
      byState.cards.map((card: { cardNo: string }) => card.cardNo),
      [a]
    )
    const byNumber = await browser.props(`/riders/cards?cardNo=${b.slice(2)}`)
    assert.deepEqual(
      byNumber.cards.map((card: { cardNo: string }) => card.cardNo),
      [b]
    )
  })
})

test.group('Cards: tenant walls', (group) => {
  group.each.setup(() => resetLoginLimits())

  test("another tenant's staff neither see nor change a tenant's cards", async ({ assert }) => {
    const victim = await cardFixture()
    const attacker = await cardFixture()
    const rider = await createRider(victim.tenant.id)
    const [bound, stock] = [freshCardNo(), freshCardNo()]
    const [boundId] = await stockCards(victim.tenant.id, victim.project.id, [bound], {
      status: 'bound',
      riderId: rider.id,
    })
    await stockCards(victim.tenant.id, victim.project.id, [stock])

    const inventory = await attacker.browser.get('/cards')
    assert.notInclude(inventory.text, bound)
    assert.notInclude(inventory.text, stock)
    const cards = await attacker.browser.get(`/riders/cards?phone=${rider.phone}`)
    assert.notInclude(cards.text, bound)
    const lookup = await attacker.browser.props(
      `/riders/cards/issue?cardNo=${stock}&phone=${rider.phone}&projectId=${victim.project.id}`
    )
    assert.isNull(lookup.check)

    for (const action of ['lost', 'found']) {
      const response = await attacker.browser.send('POST', `/riders/cards/${boundId}/${action}`)
      assert.equal(response.status, 404)
    }
    const replaced = await attacker.browser.send('POST', `/riders/cards/${boundId}/replace`, {
      newCardNo: stock,
    })
    assert.equal(replaced.status, 404)
    const issued = await attacker.browser.send('POST', '/riders/cards/issue', {
      cardNo: stock,
      phone: rider.phone,
      projectId: victim.project.id,
      feeAccepted: true,
    })
    assert.equal(issued.status, 302)

    // An import into another tenant's project is refused too.
    await uploadCards(attacker.browser, victim.project.id, await xlsxOf(['0A0B0C0D']))
    assert.equal(await flash(attacker.browser, '/cards', 'error'), '项目不存在')

    const stored = await victim.cards()
    assert.deepEqual(
      stored.map((row) => [row.card_no, row.status]),
      [
        [bound, 'bound'],
        [stock, 'in_stock'],
      ]
    )
    assert.lengthOf(await attacker.cards(), 0)
    // Row-level security: even unfiltered, the app role sees only its own tenant's cards.
    const seen = await attacker.asAdmin.run((trx) => trx.from('cards').select('tenant_id'))
    assert.lengthOf(seen, 0)
  })
})
