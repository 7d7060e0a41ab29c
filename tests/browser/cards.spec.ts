import { test } from '@japa/runner'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import Rider from '#models/rider'
import Card from '#models/card'
import app from '@adonisjs/core/services/app'
import TenantPluginService from '#plugins/tenant_plugins'
import TenantContext from '#core/tenancy/tenant_context'
import { startPaymentWorker } from '#tests/functional/payments/helpers'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { logIn } from '#tests/helpers/browser'
import { xlsxOf } from '#tests/functional/cards/helpers'

test.group('Cards pages', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a counter clerk imports cards, issues one free of charge, replaces it, reports the new one lost', async ({
    visit,
  }) => {
    const { tenant, project, staff, password } = await createTenantWithStaff({
      roles: ['operator'],
    })
    await db.connection('owner').from('projects').where('id', project.id).update({ card_fee: 0 })
    const phone = `134${String(process.pid % 100000000).padStart(8, '0')}`
    await Rider.create(
      {
        tenantId: tenant.id,
        name: '孙七',
        phone,
        status: 'normal',
        source: 'offline',
        registeredAt: DateTime.utc(),
      },
      { connection: 'owner' }
    )
    const file = join(tmpdir(), `cards-${process.pid}.xlsx`)
    await writeFile(file, await xlsxOf(['卡号', 'c0ffee01', 'C0FFEE02', 'bad']))
    const page = await logIn(visit, staff.account, password)

    // 卡片: import the file; the bad row is named by its number.
    await page.goto('/cards')
    await page.getByTestId('card-import').click()
    await page.getByTestId('card-import-file').locator('input[type=file]').setInputFiles(file)
    await page.getByRole('button', { name: '导入', exact: true }).click()
    const report = page.getByTestId('import-report')
    await page.assertTextContains(report, '成功 2 张，问题 1 行')
    await page.assertTextContains(report, '卡号格式不正确')
    await page.assertElementsCount(page.getByTestId('cards-table').locator('tbody tr'), 2)

    // 用户管理 → 开卡 with the phone filled in.
    await page.goto(`/riders?phone=${phone}`)
    await page.getByTestId('open-card').click()
    await page.waitForURL(`**/riders/cards/issue?phone=${phone}`)
    await page.getByLabel('IC卡编号', { exact: true }).fill('c0ffee01')
    await page.getByTestId('issue-lookup').click()
    await page.assertTextContains(page.getByTestId('issue-rider'), '孙七')
    await page.assertText(page.getByTestId('issue-fee'), '¥0.00')
    await page.getByTestId('issue-confirm').click()
    await page.assertTextContains(page.getByTestId('issue-dialog'), '不收工本费')
    await page.getByTestId('issue-submit').click()
    await page.waitForURL(`**/riders/cards?phone=${phone}`)
    await page.assertTextContains(page.getByTestId('flash'), '开卡成功')
    const rows = page.getByTestId('bound-cards-table').locator('tbody tr')
    await page.assertElementsCount(rows, 1)
    await page.assertTextContains(rows.first(), 'C0FFEE01')
    await page.assertText(rows.first().getByTestId('card-status'), '已绑定')

    // 换卡: the old card is voided, the new one bound, no fee.
    await rows.first().getByTestId('replace-card').click()
    await page.getByTestId('new-card-no').locator('input').fill('C0FFEE02')
    await page.getByRole('button', { name: '确定', exact: true }).click()
    await page.assertTextContains(page.getByTestId('flash'), '换卡成功，新卡号 C0FFEE02')
    await page.assertElementsCount(rows, 2)
    const newCard = rows.filter({ hasText: 'C0FFEE02' })
    const oldCard = rows.filter({ hasText: 'C0FFEE01' })
    await page.assertText(newCard.getByTestId('card-status'), '已绑定')
    await page.assertText(oldCard.getByTestId('card-status'), '作废')

    // 挂失 after a confirmation.
    await newCard.getByTestId('report-lost').click()
    await page.assertTextContains(page.getByTestId('card-confirm-dialog'), 'C0FFEE02')
    await page.getByTestId('card-confirm').click()
    await page.assertTextContains(page.getByTestId('flash'), '挂失成功')
    await page.assertText(newCard.getByTestId('card-status'), '挂失')

    // The rider list counts the rider's card (a lost one still belongs to them) and links here.
    await page.goto(`/riders?phone=${phone}`)
    const count = page.getByTestId('rider-cards').locator('..')
    await page.assertTextContains(count, '1')
    await page.getByTestId('rider-cards').click()
    await page.waitForURL(`**/riders/cards?phone=${phone}`)
    await page.assertElementsCount(rows, 2)
  })

  test('开卡 with a 0.01 元 fee: the rider pays the QR code on the sandbox and the card is bound', async ({
    visit,
  }) => {
    const queue = await startPaymentWorker()
    try {
      const { tenant, project, staff, password } = await createTenantWithStaff({
        roles: ['operator'],
      })
      await db.connection('owner').from('projects').where('id', project.id).update({ card_fee: 1 })
      const registry = await app.container.make('plugins')
      await new TenantPluginService(registry).save(TenantContext.forJob(tenant.id), {
        pluginId: 'payment-sandbox',
        projectId: null,
        enabled: true,
        config: { merchantId: `bc-${tenant.id}`, signingKey: 'browser-test-signing-key' },
      })
      const cardNo = `D${String(process.pid % 10000000).padStart(7, '0')}`
      await Card.create(
        { tenantId: tenant.id, projectId: project.id, cardNo, status: 'in_stock' },
        { connection: 'owner' }
      )
      const phone = `133${String(process.pid % 100000000).padStart(8, '0')}`
      await Rider.create(
        {
          tenantId: tenant.id,
          name: '周八',
          phone,
          status: 'normal',
          source: 'offline',
          registeredAt: DateTime.utc(),
        },
        { connection: 'owner' }
      )
      const page = await logIn(visit, staff.account, password)
      await page.goto(`/riders/cards/issue?phone=${phone}`)
      await page.getByLabel('IC卡编号', { exact: true }).fill(cardNo)
      await page.getByTestId('issue-lookup').click()
      await page.assertText(page.getByTestId('issue-fee'), '¥0.01')
      await page.getByTestId('issue-confirm').click()
      await page.getByTestId('issue-agree').locator('input').check()
      await page.getByTestId('issue-submit').click()

      const dialog = page.getByTestId('qr-payment-dialog')
      await page.assertText(dialog.getByTestId('qr-payment-amount'), '¥0.01')
      const payerLink = await dialog.getByTestId('qr-payment-payer-link').getAttribute('href')
      const phonePage = await page.context().newPage()
      await phonePage.goto(payerLink!)
      await phonePage.getByRole('button', { name: '支付' }).click()
      await phonePage.getByText('支付成功').waitFor()

      // Paid: the page goes on to 用卡管理, where the card is bound to the rider.
      await page.waitForURL(`**/riders/cards?phone=${phone}`)
      const rows = page.getByTestId('bound-cards-table').locator('tbody tr')
      await page.assertElementsCount(rows, 1)
      await page.assertTextContains(rows.first(), cardNo)
      await page.assertText(rows.first().getByTestId('card-status'), '已绑定')
    } finally {
      await queue.close()
    }
  })
})
