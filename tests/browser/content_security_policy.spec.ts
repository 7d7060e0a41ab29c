import { test } from '@japa/runner'
import type { Page } from 'playwright'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { resetLoginLimits } from '#tests/helpers/login'
import { fillLoginForm } from '#tests/helpers/browser'

/*
| The pages under the enforced Content-Security-Policy, as the Vite dev
| server serves them (development, test): each page renders, and the browser
| reports no violation. Registered before any page script runs, through
| DevTools, which the policy does not govern.
*/
const RECORD_VIOLATIONS = `
  window.__cspViolations = []
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(event.effectiveDirective + ' ' + event.blockedURI)
  })
`

function violations(page: Page) {
  return page.evaluate('window.__cspViolations') as Promise<string[]>
}

test.group('Content-Security-Policy in the browser', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the login page and signed-in admin pages render under it without a violation', async ({
    visit,
    browserContext,
    assert,
  }) => {
    const { staff, password } = await createTenantWithStaff()
    await browserContext.addInitScript(RECORD_VIOLATIONS)
    // A retried test reuses the browser context: start signed out.
    await browserContext.clearCookies()

    const page = await visit('/login')
    const response = await page.reload()
    const headers = response!.headers()
    assert.match(headers['content-security-policy'], /script-src 'self' 'nonce-[^']+'/)
    assert.notProperty(headers, 'content-security-policy-report-only')
    await page.assertVisible(page.getByRole('button', { name: '登录' }))
    await fillLoginForm(page, staff.account, password)
    await page.assertPath('/')
    await page.assertText(page.getByTestId('staff-name'), staff.name)
    assert.deepEqual(await violations(page), [])

    // An Inertia visit, then the pages with the most moving parts: charts on canvas, dialogs.
    // The dev server compiles a page at its first visit: slow on a busy machine.
    const firstVisit = { timeout: 30_000 }
    await page.getByTestId('top-nav').getByText('订单').click()
    await page.waitForURL('**/orders', firstVisit)
    await page.goto('/data')
    await page.getByTestId('chart-revenue-orders').locator('canvas').waitFor(firstVisit)
    await page.goto('/settings/payment')
    await page.getByTestId('new-payment-setting').click(firstVisit)
    await page.assertVisible(page.getByTestId('payment-plugin'))
    assert.deepEqual(await violations(page), [])
  })
})
