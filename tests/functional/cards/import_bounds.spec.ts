import { test } from '@japa/runner'
import { unzipSync, zipSync } from 'fflate'
import env from '#start/env'
import { resetLoginLimits } from '#tests/helpers/login'
import { cardFixture, flash, freshCardNo, owner, uploadCards, xlsxOf } from './helpers.js'
import { MAX_IMPORT_CELL_LENGTH, MAX_IMPORT_UNZIPPED_BYTES } from '#services/cards/card_import'

test.group('Cards: import bounds', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a small .xlsx that unpacks past the bound (a zip bomb) is refused, nothing imported', async ({
    assert,
  }) => {
    const { browser, project, cards } = await cardFixture()
    const parts = unzipSync(await xlsxOf([freshCardNo(), freshCardNo()]))
    parts['xl/media/padding.bin'] = new Uint8Array(MAX_IMPORT_UNZIPPED_BYTES + 1024)
    const bomb = zipSync(parts, { level: 9 })
    assert.isBelow(bomb.length, 2 * 1024 * 1024)

    await uploadCards(browser, project.id, bomb)
    assert.equal(
      await flash(browser, '/cards', 'error'),
      '文件解压后过大（最多 64 MB），请只保留卡号一列后重新导入'
    )
    assert.lengthOf(await cards(), 0)
  }).timeout(120_000)

  test('a cell longer than a card number can be is refused, nothing imported', async ({
    assert,
  }) => {
    const { browser, project, cards } = await cardFixture()
    await uploadCards(
      browser,
      project.id,
      await xlsxOf([freshCardNo(), 'A'.repeat(MAX_IMPORT_CELL_LENGTH + 1)])
    )
    assert.equal(await flash(browser, '/cards', 'error'), '单元格内容过长，卡号最多 64 个字符')
    assert.lengthOf(await cards(), 0)
  }).timeout(120_000)
})

test.group('Multipart bodies', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an upload route reads no multipart body before CSRF and sign-in pass', async ({
    assert,
  }) => {
    // A body that would fail to parse: unread, it cannot change the answer.
    const response = await fetch(`http://${env.get('HOST')}:${env.get('PORT')}/cards/import`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\ncontent-disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\nPK',
      redirect: 'manual',
    })
    // Refused (no CSRF token, no session) as any stranger's post, not as a broken body.
    assert.equal(response.status, 302)
  })

  test('a route that takes no upload ignores a multipart body and changes nothing', async ({
    assert,
  }) => {
    const { browser, tenant, roles } = await cardFixture()
    const account = `multipart_${tenant.id}`
    const response = await browser.upload(
      '/permissions/staff',
      {
        account,
        'name': '多段表单',
        'password': 'river-lamp-1042',
        'roleIds[0]': String(roles.get('support')!.id),
      },
      {
        field: 'file',
        name: 'a.xlsx',
        type: 'application/octet-stream',
        content: new Uint8Array(8),
      }
    )
    assert.equal(response.status, 302)
    assert.notExists(await owner().from('staff').where('account', account).first())
  }).timeout(120_000)
})
