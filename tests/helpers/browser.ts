import type { Browser, Locator, Page } from 'playwright'
import { inboxCode } from '#tests/functional/h5/helpers'

/** As much of the page's document as the waits below read (tests compile without the DOM types). */
interface PageDocument {
  querySelector(selector: string): { naturalWidth?: number } | null
}

/**
 * Waits until the image `selector` finds in the page has loaded. The wait
 * is a function, never a string: Playwright evaluates a string predicate
 * with `eval` at every poll, which the pages' Content-Security-Policy (no
 * 'unsafe-eval') refuses as soon as the first check is false; a function
 * is compiled once, inside the DevTools call the policy lets through.
 */
export function waitForImage(page: Page, selector: string) {
  return page.waitForFunction((css) => {
    const { document } = globalThis as unknown as { document: PageDocument }
    return (document.querySelector(css)?.naturalWidth ?? 0) > 0
  }, selector)
}

/** Fills the staff login page as a clerk would, reading the captcha through the test seam. */
export async function fillLoginForm(page: Page, account: string, password: string) {
  await page.getByLabel('账号', { exact: true }).fill(account)
  await page.getByLabel('密码', { exact: true }).fill(password)
  // The image is what the server generated for this browser's session.
  await waitForImage(page, '[data-testid=captcha-image]')
  const seam = await page.request.get('/__test__/captcha')
  const { answer } = await seam.json()
  await page.getByLabel('验证码', { exact: true }).fill(answer)
  await page.getByRole('button', { name: '登录' }).click()
}

/** Opens /login and signs in; resolves on the home page. */
export async function logIn(
  visit: (path: string) => Promise<Page & { assertPath(path: string): Promise<void> }>,
  account: string,
  password: string
) {
  const page = await visit('/login')
  if (new URL(page.url()).pathname !== '/login') {
    // A retried test reuses the browser context: sign its earlier session out first.
    await page.context().clearCookies()
    await page.goto('/login')
  }
  await fillLoginForm(page, account, password)
  await page.assertPath('/')
  return page
}

/** The slice of a session the captcha service uses, kept in a Map (for service-level tests). */
export function memorySession() {
  const values = new Map<string, unknown>()
  return {
    put: (key: string, value: unknown) => values.set(key, value),
    get: (key: string) => values.get(key),
    pull: (key: string) => {
      const value = values.get(key)
      values.delete(key)
      return value
    },
  } as any
}

/** A phone-sized zh-CN browser on the test server; `userAgent` says which app it is inside (WeChat, Alipay). */
export function phoneContext(browser: Browser, userAgent?: string) {
  return browser.newContext({
    baseURL: `http://${process.env.HOST}:${process.env.PORT}`,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 390, height: 844 },
    isMobile: true,
    ...(userAgent ? { userAgent } : {}),
  })
}

/** A page the browser client decorated with its text assertions. */
type AssertingPage = Page & { assertTextContains(locator: Locator, text: string): Promise<void> }

/**
 * Signs a rider in on the H5 page open in `page` (a port's or a sign-in
 * page) by SMS code, the code read from the sms-log inbox as the rider
 * reads their texts. Resolves once 登录 is clicked.
 */
export async function signInRider(
  page: AssertingPage,
  fixture: { tenant: { id: number } },
  phone: string
) {
  await page.getByLabel('手机号').fill(phone)
  await page.getByRole('button', { name: '获取验证码' }).click()
  await page.assertTextContains(page.locator('body'), '验证码已发送')
  await page.getByLabel('验证码', { exact: true }).fill(await inboxCode(fixture, phone))
  await page.getByRole('button', { name: '登录', exact: true }).click()
}
