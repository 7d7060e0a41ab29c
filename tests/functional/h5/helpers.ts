import app from '@adonisjs/core/services/app'
import type { BrowserSession } from '#tests/helpers/login'
import { owner, type chargingFixture } from '#tests/functional/charging/helpers'

export type Fixture = Awaited<ReturnType<typeof chargingFixture>>

export async function codeOf(fixture: Fixture) {
  const row = await owner().from('piles').where('id', fixture.pile.id).firstOrFail()
  return row.public_code as string
}

export async function portPath(fixture: Fixture, portNo = 1) {
  return `/h5/p/${await codeOf(fixture)}/${portNo}`
}

let phones = 0
export function freshPhone() {
  phones += 1
  return `139${String(process.pid % 10000).padStart(4, '0')}${String(phones).padStart(4, '0')}`
}

/** The code the phone received, read from the sms-log inbox as the rider reads their texts. */
export async function inboxCode(fixture: { tenant: { id: number } }, phone: string) {
  const registry = await app.container.make('plugins')
  const inbox = await registry.instantiate(
    registry.find('sms-log', 'sms')!,
    {},
    {
      tenantId: fixture.tenant.id,
    }
  )
  const delivered = inbox.lastDelivered?.(phone)
  if (!delivered) throw new Error(`no code delivered to ${phone}`)
  return delivered.code
}

/** Lets the phone have a new code now (the one-per-60-seconds rule is not under test). */
export async function allowResend(fixture: Fixture, phone: string) {
  await owner().rawQuery(
    `UPDATE sms_verification_codes SET created_at = created_at - interval '2 minutes'
     WHERE tenant_id = ? AND phone = ?`,
    [fixture.tenant.id, phone]
  )
}

/** 获取验证码 as the page does, answering the image captcha when the page asks for one. */
export async function sendCode(browser: BrowserSession, path: string, phone: string) {
  const { captchaRequired } = await browser.props(path)
  const captcha = captchaRequired ? await browser.captcha() : undefined
  return browser.send('POST', `${path}/code`, { phone, captcha }, path)
}

export function logIn(
  browser: BrowserSession,
  path: string,
  input: { phone: string; code: string; name?: string }
) {
  return browser.send('POST', `${path}/login`, input, path)
}

/** Signs a phone in at a port the way the page does: code, then the form. */
export async function signIn(
  browser: BrowserSession,
  fixture: Fixture,
  path: string,
  phone: string,
  name?: string
) {
  await browser.get(path)
  const sent = await sendCode(browser, path, phone)
  const { flash } = await browser.props(path)
  if (flash.error) throw new Error(`no code: ${sent.status} ${flash.error}`)
  const code = await inboxCode(fixture, phone)
  const response = await logIn(browser, path, { phone, code, ...(name ? { name } : {}) })
  return { code, response }
}

export async function flashError(browser: BrowserSession, path: string) {
  const props = await browser.props(path)
  return props.flash.error as string | undefined
}

/** One prop of a page, as the browser would receive it. */
export async function pageProp(browser: BrowserSession, path: string, name: string) {
  const props = await browser.props(path)
  return props[name]
}
