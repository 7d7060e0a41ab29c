import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import hash from '@adonisjs/core/services/hash'
import { Scrypt } from '@adonisjs/core/hash/drivers/scrypt'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { SCRYPT_PARAMETERS, scryptParameters } from '#config/hash'
import { OWASP_SCRYPT_COST, refuseDevelopmentFlags } from '#start/env'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'

async function storedHash(staffId: number) {
  const row = await db.connection('owner').from('staff').where('id', staffId).first()
  return String(row.password)
}

test.group('Password hashing', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('new passwords are hashed with scrypt at the configured cost, OWASP 2^17 unless the test suite lowers it', async ({
    assert,
  }) => {
    const { staff } = await createTenantWithStaff()
    const stored = await storedHash(staff.id)
    assert.match(stored, new RegExp(`^\\$scrypt\\$n=${SCRYPT_PARAMETERS.cost},r=8,p=1\\$`))
    assert.isFalse(hash.needsReHash(stored))
    assert.deepEqual(scryptParameters(OWASP_SCRYPT_COST), {
      cost: 2 ** 17,
      blockSize: 8,
      parallelization: 1,
      maxMemory: 128 * 2 ** 17 * 8 + 16 * 1024 * 1024,
    })
    // The OWASP hash itself derives and verifies (the maxMemory headroom is enough).
    const owasp = new Scrypt(scryptParameters(OWASP_SCRYPT_COST))
    const made = await owasp.make('a-long-password')
    assert.match(made, /^\$scrypt\$n=131072,r=8,p=1\$/)
    assert.isTrue(await owasp.verify(made, 'a-long-password'))
  }).timeout(60_000)

  test('production refuses to boot with a scrypt cost below the OWASP floor', ({ assert }) => {
    assert.throws(
      () => refuseDevelopmentFlags({ NODE_ENV: 'production', HASH_SCRYPT_COST: 16384 }),
      /HASH_SCRYPT_COST 16384 is below/
    )
    assert.doesNotThrow(() =>
      refuseDevelopmentFlags({ NODE_ENV: 'production', HASH_SCRYPT_COST: OWASP_SCRYPT_COST })
    )
    assert.doesNotThrow(() => refuseDevelopmentFlags({ NODE_ENV: 'test', HASH_SCRYPT_COST: 16384 }))
  })

  test('a hash made under the old parameters signs in and is rehashed at once', async ({
    assert,
  }) => {
    const { staff, password } = await createTenantWithStaff()
    const old = new Scrypt(scryptParameters(SCRYPT_PARAMETERS.cost / 8))
    await db
      .connection('owner')
      .from('staff')
      .where('id', staff.id)
      .update({ password: await old.make(password) })
    assert.isTrue(hash.needsReHash(await storedHash(staff.id)))

    const browser = new BrowserSession()
    const response = await browser.login({ account: staff.account, password })
    assert.equal(response.location, '/')

    const rehashed = await storedHash(staff.id)
    assert.match(rehashed, new RegExp(`^\\$scrypt\\$n=${SCRYPT_PARAMETERS.cost},r=8,p=1\\$`))
    assert.isTrue(await hash.verify(rehashed, password))
  }).timeout(60_000)
})

test.group('Password policy', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('creating staff refuses short, common and account-bearing passwords, saving nothing', async ({
    assert,
  }) => {
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })
    const account = `policy_${admin.tenant.id}`
    const cases = [
      { password: 'short-pw1', error: '密码至少 10 个字符' },
      { password: 'Password123', error: '密码过于常见，请换一个更难猜的密码' },
      { password: 'qwertyuiop', error: '密码过于常见，请换一个更难猜的密码' },
      { password: `${account.toUpperCase()}-2024`, error: '密码不能包含账号' },
    ]
    for (const { password, error } of cases) {
      await browser.send('POST', '/permissions/staff', {
        account,
        name: '新人',
        password,
        roleIds: [admin.roles.get('support')!.id],
        projectIds: [],
      })
      const page = await browser.get('/permissions/staff')
      assert.equal(page.page!.props.errors.password, error, password)
    }
    assert.notExists(await db.connection('owner').from('staff').where('account', account).first())
  }).timeout(60_000)

  test('a reset refuses the target account name; changing one own password refuses one own name', async ({
    assert,
  }) => {
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })
    const account = `member_${admin.tenant.id}`
    await browser.send('POST', '/permissions/staff', {
      account,
      name: '成员',
      password: 'initial-pass-1',
      roleIds: [admin.roles.get('support')!.id],
      projectIds: [],
    })
    const member = await db.connection('owner').from('staff').where('account', account).first()
    const before = String(member.password)

    await browser.send('PUT', `/permissions/staff/${member.id}/password`, {
      password: `${account}!!`,
    })
    const reset = await browser.get('/permissions/staff')
    assert.equal(reset.page!.props.errors.password, '密码不能包含账号')
    assert.equal(await storedHash(member.id), before)

    const own = await storedHash(admin.staff.id)
    await browser.send('POST', '/password', {
      currentPassword: admin.password,
      password: `x${admin.staff.account}`,
      passwordConfirmation: `x${admin.staff.account}`,
    })
    const changed = await browser.get('/password')
    assert.equal(changed.page!.props.errors.password, '密码不能包含账号')
    assert.equal(await storedHash(admin.staff.id), own)
  }).timeout(60_000)

  test('a long, uncommon password is accepted', async ({ assert }) => {
    const admin = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: admin.staff.account, password: admin.password })
    const account = `good_${admin.tenant.id}`
    await browser.send('POST', '/permissions/staff', {
      account,
      name: '合格',
      password: 'river-lamp-1042',
      roleIds: [admin.roles.get('support')!.id],
      projectIds: [],
    })
    assert.exists(await db.connection('owner').from('staff').where('account', account).first())
  }).timeout(60_000)
})
