import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'
import WalletRefusal from '#core/wallet/wallet_refusal'
import { PERMISSIONS, type BuiltinRoleKey } from '#core/access/permissions'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { inboxCode } from '#tests/functional/h5/helpers'

/*
| No global transaction: the requests commit on the app connection and the
| checks read what really committed through the owner connection.
*/
const owner = () => db.connection('owner')
let phones = 0

/** A phone no other test of this run uses (codes are limited per phone). */
function freshPhone() {
  phones += 1
  return `135${String(process.pid % 10000).padStart(4, '0')}${String(phones).padStart(4, '0')}`
}

async function signedIn(roles: BuiltinRoleKey[] = ['super_admin']) {
  const fixture = await createTenantWithStaff({ roles })
  const browser = new BrowserSession()
  await browser.login({ account: fixture.staff.account, password: fixture.password })
  const riders = () => owner().from('riders').where('tenant_id', fixture.tenant.id).orderBy('id')
  return { ...fixture, browser, riders }
}

/**
 * Asks for a code as the page does and reads it from the phone's inbox: the
 * page shows it to staff only under the development flag.
 */
async function requestCode(
  signed: { browser: BrowserSession; tenant: { id: number } },
  phone: string,
  purpose = 'open_account'
) {
  const sent = await signed.browser.send('POST', '/riders/sms-code', { phone, purpose })
  if (sent.status !== 302) throw new Error(`sms-code answered ${sent.status}: ${sent.text}`)
  const props = await signed.browser.props('/riders')
  if (props.flash?.error) throw new Error(`No code sent: ${props.flash.error}`)
  return inboxCode(signed, phone)
}

/** Posts and returns the flashed messages the next page shows. */
async function submit(browser: BrowserSession, method: 'POST' | 'PUT', path: string, json: object) {
  const response = await browser.send(method, path, json)
  const props = await browser.props('/riders')
  return { status: response.status, flash: props.flash as { error?: string; success?: string } }
}

function insertRiders(
  tenantId: number,
  count: number,
  start: DateTime = DateTime.utc().minus({ days: 60 })
) {
  return owner()
    .table('riders')
    .multiInsert(
      Array.from({ length: count }, (_, index) => ({
        tenant_id: tenantId,
        name: index % 3 === 0 ? `张${index}` : `李${index}`,
        phone: `1390000${String(index).padStart(4, '0')}`,
        status: index % 5 === 0 ? 'frozen' : 'normal',
        source: index % 2 ? 'online' : 'offline',
        registered_at: start.plus({ days: index }).toJSDate(),
        created_at: new Date(),
        updated_at: new Date(),
      }))
    )
    .returning('id')
}

test.group('Riders: opening accounts', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the right SMS code opens a counter (线下) account with an empty wallet, audited', async ({
    assert,
  }) => {
    const { browser, riders, tenant } = await signedIn()
    const phone = freshPhone()
    const code = await requestCode({ browser, tenant }, phone)

    const { status, flash } = await submit(browser, 'POST', '/riders', {
      phone,
      code,
      name: '王五',
    })
    assert.equal(status, 302)
    assert.equal(flash.success, '开户成功')
    const [rider] = await riders()
    assert.include(rider, { phone, name: '王五', status: 'normal', source: 'offline' })
    const wallet = await owner().from('wallets').where('rider_id', rider.id).first()
    assert.include(wallet, { real_balance: 0, bonus_balance: 0, tenant_id: tenant.id })
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: tenant.id, action: 'riders.create' })
    assert.lengthOf(audit, 1)
    assert.equal(audit[0].target_id, String(rider.id))

    const props = await browser.props(`/riders?phone=${phone}`)
    assert.deepInclude(props.riders[0], { phone, totalBalance: 0, status: 'normal' })
  })

  test('a wrong or expired code is refused and nothing is written', async ({ assert }) => {
    const { browser, riders, tenant } = await signedIn()
    const phone = freshPhone()
    const code = await requestCode({ browser, tenant }, phone)
    const wrong = code === '000000' ? '111111' : '000000'

    let result = await submit(browser, 'POST', '/riders', { phone, code: wrong, name: '王五' })
    assert.equal(result.flash.error, '验证码错误')

    // The code runs out: its expiry passes (as committed, seen by every connection).
    await owner()
      .from('sms_verification_codes')
      .where({ tenant_id: tenant.id, phone })
      .update({ expires_at: DateTime.utc().minus({ seconds: 1 }).toJSDate() })
    result = await submit(browser, 'POST', '/riders', { phone, code, name: '王五' })
    assert.equal(result.flash.error, '验证码已失效，请重新获取')
    assert.lengthOf(await riders(), 0)
    assert.lengthOf(await owner().from('wallets').where('tenant_id', tenant.id), 0)
  })

  test('a phone already registered is refused with 手机号已存在; nothing is written', async ({
    assert,
  }) => {
    const { browser, riders, tenant } = await signedIn()
    const phone = freshPhone()
    const code = await requestCode({ browser, tenant }, phone)
    await submit(browser, 'POST', '/riders', { phone, code, name: '王五' })
    const smsRows = () => owner().from('sms_verification_codes').where('tenant_id', tenant.id)
    const sent = await smsRows()

    // No code is sent to a phone that cannot open an account.
    let result = await submit(browser, 'POST', '/riders/sms-code', {
      phone,
      purpose: 'open_account',
    })
    assert.equal(result.flash.error, '手机号已存在')
    result = await submit(browser, 'POST', '/riders', { phone, code: '123456', name: '赵六' })
    assert.equal(result.flash.error, '手机号已存在')

    assert.lengthOf(await riders(), 1)
    assert.deepEqual(await smsRows(), sent)
    assert.lengthOf(
      await owner().from('audit_logs').where({ tenant_id: tenant.id, action: 'riders.create' }),
      1
    )
  })

  test('name edits, and a phone change needs a code sent to the new phone', async ({ assert }) => {
    const { browser, riders, tenant } = await signedIn()
    const phone = freshPhone()
    await submit(browser, 'POST', '/riders', {
      phone,
      code: await requestCode({ browser, tenant }, phone),
      name: '王五',
    })
    const [rider] = await riders()

    await submit(browser, 'PUT', `/riders/${rider.id}`, { name: '王小五' })
    const newPhone = freshPhone()
    const refused = await submit(browser, 'PUT', `/riders/${rider.id}/phone`, {
      phone: newPhone,
      code: '123456',
    })
    assert.equal(refused.flash.error, '验证码已失效，请重新获取')
    const code = await requestCode({ browser, tenant }, newPhone, 'change_phone')
    const changed = await submit(browser, 'PUT', `/riders/${rider.id}/phone`, {
      phone: newPhone,
      code,
    })
    assert.equal(changed.flash.success, '手机号已修改')
    const [after] = await riders()
    assert.include(after, { name: '王小五', phone: newPhone })
  })
})

test.group('Riders: the list', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('filters by name, phone, status and registration days; pages and sorts on the server', async ({
    assert,
  }) => {
    const { browser, tenant } = await signedIn()
    const start = DateTime.fromISO('2025-01-01T12:00:00', { zone: 'Asia/Shanghai' }).toUTC()
    await insertRiders(tenant.id, 30, start)
    const other = await createTenantWithStaff()
    await insertRiders(other.tenant.id, 5, start)

    let props = await browser.props('/riders')
    assert.equal(props.pagination.total, 30)
    assert.lengthOf(props.riders, 20)
    // Newest registration first by default.
    assert.equal(props.riders[0].phone, '13900000029')

    props = await browser.props('/riders?perPage=10&page=3')
    assert.lengthOf(props.riders, 10)
    assert.equal(props.riders[9].phone, '13900000000')
    props = await browser.props('/riders?page=2')
    assert.lengthOf(props.riders, 10)

    props = await browser.props('/riders?sortBy=phone&sortOrder=asc&perPage=10')
    assert.deepEqual(
      props.riders.slice(0, 2).map((row: { phone: string }) => row.phone),
      ['13900000000', '13900000001']
    )

    props = await browser.props(`/riders?name=${encodeURIComponent('张')}&perPage=100`)
    assert.equal(props.pagination.total, 10)
    props = await browser.props('/riders?phone=1390000001&perPage=100')
    assert.equal(props.pagination.total, 10)
    props = await browser.props('/riders?status=frozen')
    assert.equal(props.pagination.total, 6)
    assert.isTrue(props.riders.every((row: { status: string }) => row.status === 'frozen'))
    // 2025-01-03 to 2025-01-05 in Shanghai: riders 2, 3 and 4.
    props = await browser.props('/riders?from=2025-01-03&to=2025-01-05')
    assert.sameMembers(
      props.riders.map((row: { phone: string }) => row.phone),
      ['13900000002', '13900000003', '13900000004']
    )
  })

  test('freezing many: one audit record each, and a frozen rider cannot top up', async ({
    assert,
  }) => {
    const { browser, tenant, staff, project, riders } = await signedIn()
    const inserted = await insertRiders(tenant.id, 3)
    const ids = inserted.map((row) => Number(row.id))
    // insertRiders froze the first already.
    const normal = ids.filter((_, index) => index !== 0)

    const result = await submit(browser, 'POST', '/riders/status', {
      ids: normal,
      status: 'frozen',
    })
    assert.equal(result.flash.success, '已冻结 2 个用户')
    const rows = await riders()
    const statuses = rows.map((row) => [Number(row.id), row.status])
    assert.deepEqual(statuses, [
      [ids[0], 'frozen'],
      [ids[1], 'frozen'],
      [ids[2], 'frozen'],
    ])
    const audit = await owner()
      .from('audit_logs')
      .where({ tenant_id: tenant.id, action: 'riders.freeze' })
      .orderBy('id')
    assert.deepEqual(
      audit.map((row) => Number(row.target_id)),
      normal
    )
    assert.deepEqual(audit[0].after, { status: 'frozen' })

    const asStaff = new TenantContext(tenant.id, staff.id, null, new Set(PERMISSIONS), {
      actor: { staffId: staff.id, account: staff.account, name: staff.name },
      request: null,
    })
    const refusal = await new WalletService()
      .topUpCash(asStaff, {
        riderId: normal[0],
        projectId: project.id,
        realAmount: 1000,
        idempotencyKey: `test:${normal[0]}`,
      })
      .catch((error) => error)
    assert.instanceOf(refusal, WalletRefusal)
    assert.equal(refusal.reason, 'riderFrozen')

    await submit(browser, 'POST', '/riders/status', { ids: [ids[0]], status: 'normal' })
    const props = await browser.props('/riders?status=normal')
    assert.deepEqual(
      props.riders.map((row: { id: number }) => row.id),
      [ids[0]]
    )
  })

  test("another tenant's riders can be neither seen nor frozen", async ({ assert }) => {
    const { browser } = await signedIn()
    const other = await createTenantWithStaff()
    // The second: insertRiders freezes every fifth rider from the first.
    const [, victim] = await insertRiders(other.tenant.id, 2)

    const props = await browser.props('/riders')
    assert.equal(props.pagination.total, 0)
    const result = await submit(browser, 'POST', '/riders/status', {
      ids: [Number(victim.id)],
      status: 'frozen',
    })
    assert.equal(result.flash.error, '用户不存在')
    const row = await owner().from('riders').where('id', victim.id).first()
    assert.equal(row.status, 'normal')
  })

  test('finance (财务) may view riders but not open accounts or freeze (403)', async ({
    assert,
  }) => {
    const { browser, tenant } = await signedIn(['finance'])
    const [, rider] = await insertRiders(tenant.id, 2)

    const list = await browser.get('/riders')
    assert.equal(list.status, 200)
    const attempts: ['POST' | 'PUT', string, object][] = [
      ['POST', '/riders/sms-code', { phone: freshPhone(), purpose: 'open_account' }],
      ['POST', '/riders', { phone: freshPhone(), code: '123456', name: '王五' }],
      ['POST', '/riders/status', { ids: [Number(rider.id)], status: 'frozen' }],
      ['PUT', `/riders/${rider.id}`, { name: '改名' }],
    ]
    for (const [method, path, json] of attempts) {
      const response = await browser.send(method, path, json)
      assert.equal(response.status, 403, `${method} ${path}`)
    }
    const row = await owner().from('riders').where('id', rider.id).first()
    assert.include(row, { status: 'normal', name: '李1' })
  })
})
