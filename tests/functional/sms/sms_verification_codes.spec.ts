import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import i18nManager from '@adonisjs/i18n/services/main'
import TenantContext from '#core/tenancy/tenant_context'
import TenantPluginService from '#plugins/tenant_plugins'
import VerificationCodeService, { SmsCodeRefused } from '#core/sms/verification_code_service'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { startFakeDysmsapi } from '../../../plugins/sms-aliyun/tests/fake_dysmsapi.js'

const PHONE = '13800138001'

/** A service on a clock the test moves; the tenant's rows are committed (no global transaction). */
async function setup(startAt = '2025-03-10T12:00:00') {
  const { tenant } = await createTenantWithStaff()
  const context = new TenantContext(tenant.id)
  const clock = { now: DateTime.fromISO(startAt, { zone: 'Asia/Shanghai' }).toUTC() }
  const registry = await app.container.make('plugins')
  const codes = new VerificationCodeService(registry, () => clock.now)
  const rows = () =>
    db
      .connection('owner')
      .from('sms_verification_codes')
      .where('tenant_id', tenant.id)
      .orderBy('id')
  return { tenant, context, clock, codes, registry, rows }
}

async function refusalOf(work: Promise<unknown>) {
  const error = await work.then(
    () => null,
    (reason: unknown) => reason
  )
  return error instanceof SmsCodeRefused ? error.reason : error
}

test.group('SMS verification codes', () => {
  test('a 6-digit code goes out through sms-log and only its HMAC is stored', async ({
    assert,
  }) => {
    const { context, codes, clock, rows } = await setup()
    const issued = await codes.issue(context, PHONE, 'open_account')

    assert.match(issued.code, /^\d{6}$/)
    assert.equal(issued.pluginId, 'sms-log')
    const delivered = await codes.lastDelivered(context, PHONE)
    assert.equal(delivered?.code, issued.code)
    const [row] = await rows()
    assert.equal(row.status, 'sent')
    assert.match(row.code_hash, /^[0-9a-f]{64}$/)
    assert.notInclude(row.code_hash, issued.code)
    assert.equal(
      DateTime.fromJSDate(row.expires_at).toMillis(),
      clock.now.plus({ minutes: 5 }).toMillis()
    )
    assert.isNotNull(row.provider_message_id)
  })

  test('one send per phone per 60 seconds', async ({ assert }) => {
    const { context, codes, clock } = await setup()
    await codes.issue(context, PHONE, 'open_account')
    clock.now = clock.now.plus({ seconds: 59 })
    assert.equal(await refusalOf(codes.issue(context, PHONE, 'change_phone')), 'tooFrequent')
    clock.now = clock.now.plus({ seconds: 2 })
    await codes.issue(context, PHONE, 'open_account')
  })

  test('ten sends per phone per Shanghai day', async ({ assert }) => {
    const { context, codes, clock } = await setup('2025-03-10T20:00:00')
    for (let sent = 0; sent < 10; sent++) {
      await codes.issue(context, PHONE, 'open_account')
      clock.now = clock.now.plus({ seconds: 61 })
    }
    assert.equal(await refusalOf(codes.issue(context, PHONE, 'open_account')), 'dailyLimit')
    await codes.issue(context, '13800138002', 'open_account')

    clock.now = DateTime.fromISO('2025-03-11T00:00:05', { zone: 'Asia/Shanghai' }).toUTC()
    await codes.issue(context, PHONE, 'open_account')
  })

  test('the right code is accepted once', async ({ assert }) => {
    const { context, codes } = await setup()
    const { code } = await codes.issue(context, PHONE, 'open_account')
    assert.equal(await refusalOf(codes.verify(context, PHONE, 'change_phone', code)), 'codeExpired')
    await codes.verify(context, PHONE, 'open_account', code)
    assert.equal(await refusalOf(codes.verify(context, PHONE, 'open_account', code)), 'codeExpired')
  })

  test('a code is valid for 5 minutes', async ({ assert }) => {
    const { context, codes, clock } = await setup()
    const { code } = await codes.issue(context, PHONE, 'open_account')
    clock.now = clock.now.plus({ minutes: 5 })
    assert.equal(await refusalOf(codes.verify(context, PHONE, 'open_account', code)), 'codeExpired')
  })

  test('five wrong tries use a code up, and the count is kept', async ({ assert }) => {
    const { context, codes, rows } = await setup()
    const { code } = await codes.issue(context, PHONE, 'open_account')
    const wrong = code === '000000' ? '111111' : '000000'
    const reasons = []
    for (let attempt = 0; attempt < 5; attempt++) {
      reasons.push(await refusalOf(codes.verify(context, PHONE, 'open_account', wrong)))
    }
    assert.deepEqual(reasons, [
      'codeInvalid',
      'codeInvalid',
      'codeInvalid',
      'codeInvalid',
      'tooManyAttempts',
    ])
    assert.equal(
      await refusalOf(codes.verify(context, PHONE, 'open_account', code)),
      'tooManyAttempts'
    )
    const [row] = await rows()
    assert.equal(row.attempts, 5)
    assert.isNull(row.consumed_at)
  })

  test('a new code replaces the one before', async ({ assert }) => {
    const { context, codes, clock } = await setup()
    const first = await codes.issue(context, PHONE, 'open_account')
    clock.now = clock.now.plus({ seconds: 61 })
    const second = await codes.issue(context, PHONE, 'open_account')
    if (first.code !== second.code) {
      assert.equal(
        await refusalOf(codes.verify(context, PHONE, 'open_account', first.code)),
        'codeInvalid'
      )
    }
    await codes.verify(context, PHONE, 'open_account', second.code)
  })

  test('a malformed phone is refused before anything is sent', async ({ assert }) => {
    const { context, codes, rows } = await setup()
    assert.equal(
      await refusalOf(codes.issue(context, '1380013800', 'open_account')),
      'invalidPhone'
    )
    assert.lengthOf(await rows(), 0)
  })

  test('codes of one tenant are invisible to another', async ({ assert }) => {
    const mine = await setup()
    const theirs = await setup()
    const { code } = await mine.codes.issue(mine.context, PHONE, 'open_account')
    assert.equal(
      await refusalOf(theirs.codes.verify(theirs.context, PHONE, 'open_account', code)),
      'codeExpired'
    )
    await theirs.codes.issue(theirs.context, PHONE, 'open_account')
  })

  test("the tenant's own sms plugin sends; a provider refusal is sendFailed and does not count", async ({
    assert,
  }) => {
    const aliyun = await startFakeDysmsapi({ LTAI5tServiceTest: 'service-test-secret' })
    try {
      const { context, codes, registry, rows } = await setup()
      const settings = new TenantPluginService(registry)
      const config = {
        accessKeyId: 'LTAI5tServiceTest',
        accessKeySecret: 'wrong-secret',
        signName: '桩行天下',
        templateCode: 'SMS_154950909',
        endpoint: aliyun.url,
      }
      await settings.save(context, {
        pluginId: 'sms-aliyun',
        projectId: null,
        enabled: true,
        config,
      })
      assert.equal(await refusalOf(codes.issue(context, PHONE, 'open_account')), 'sendFailed')
      const [failed] = await rows()
      assert.equal(failed.status, 'failed')
      assert.include(failed.failure, 'SignatureDoesNotMatch')

      await settings.save(context, {
        pluginId: 'sms-aliyun',
        projectId: null,
        enabled: true,
        config: { ...config, accessKeySecret: 'service-test-secret' },
      })
      const issued = await codes.issue(context, PHONE, 'open_account')
      assert.equal(issued.pluginId, 'sms-aliyun')
      assert.equal(aliyun.receivedCode(PHONE), issued.code)
      assert.isNull(await codes.lastDelivered(context, PHONE))
    } finally {
      await aliyun.close()
    }
  })

  test('every refusal reads in zh-CN and en', async ({ assert }) => {
    const reasons: SmsCodeRefused['reason'][] = [
      'invalidPhone',
      'notConfigured',
      'tooFrequent',
      'dailyLimit',
      'sendFailed',
      'codeInvalid',
      'codeExpired',
      'tooManyAttempts',
    ]
    for (const locale of ['zh-CN', 'en']) {
      const i18n = i18nManager.locale(locale)
      for (const reason of reasons) {
        assert.isTrue(i18n.hasMessage(`sms.${reason}`), `${locale} sms.${reason}`)
      }
    }
    assert.equal(
      i18nManager.locale('zh-CN').t('sms.tooFrequent'),
      '验证码发送过于频繁，请 60 秒后再试'
    )
  })
})
