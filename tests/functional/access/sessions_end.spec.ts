import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import PlatformTenantService from '#services/platform/platform_tenant_service'
import { sessionTagOf } from '#services/auth/staff_sessions'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import {
  PASSWORD,
  grantsFixture,
  sessionOf,
  type GrantsFixture,
} from '#tests/functional/access/fixture'

/** The sessions and remember-me tokens the database holds for a staff member. */
async function stored(staffId: number) {
  const owner = db.connection('owner')
  const sessions = await owner.from('sessions').where('user_id', sessionTagOf(staffId))
  const tokens = await owner.from('remember_me_tokens').where('tokenable_id', staffId)
  return { sessions: sessions.length, tokens: tokens.length }
}

/** Where the home page sends a browser (null: it opens). */
async function whereTo(browser: BrowserSession) {
  const { location } = await browser.get('/')
  return location
}

async function statusOf(browser: BrowserSession) {
  const { status } = await browser.get('/')
  return status
}

/** Two browsers of the lesser clerk, both asking to be remembered. */
async function twoBrowsersOfClerk(fixture: GrantsFixture) {
  const browsers = [new BrowserSession(), new BrowserSession()]
  for (const browser of browsers) {
    const response = await browser.login({
      account: fixture.staff.lesser.account,
      password: PASSWORD,
      remember: '1',
    })
    if (response.location !== '/') throw new Error(`clerk did not sign in: ${response.location}`)
  }
  return browsers
}

test.group('Sessions end when trust ends', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('an admin resetting a password ends every session and remember-me token at once', async ({
    assert,
  }) => {
    const fixture = await grantsFixture()
    const browsers = await twoBrowsersOfClerk(fixture)
    assert.deepEqual(await stored(fixture.staff.lesser.id), { sessions: 2, tokens: 2 })

    const admin = await sessionOf(fixture, 'boss')
    const reset = await admin.send(
      'PUT',
      `/permissions/staff/${fixture.staff.lesser.id}/password`,
      {
        password: 'reset-pass-22',
      }
    )
    assert.equal(reset.status, 302)

    // Gone from the database with the reset, before either browser asks again.
    assert.deepEqual(await stored(fixture.staff.lesser.id), { sessions: 0, tokens: 0 })
    for (const browser of browsers) {
      const next = await browser.get('/')
      assert.equal(next.location, '/login')
    }
    assert.equal(await statusOf(admin), 200)
  })

  test('changing one’s own password ends the other sessions and keeps this one', async ({
    assert,
  }) => {
    const fixture = await grantsFixture()
    const [here, elsewhere] = await twoBrowsersOfClerk(fixture)

    const change = await here.send('POST', '/password', {
      currentPassword: PASSWORD,
      password: 'my-new-pass-1',
      passwordConfirmation: 'my-new-pass-1',
    })
    assert.equal(change.location, '/')

    assert.deepEqual(await stored(fixture.staff.lesser.id), { sessions: 1, tokens: 1 })
    assert.equal(await whereTo(elsewhere), '/login')
    assert.equal(await statusOf(here), 200)
    // This browser's remember-me token still signs it in once its session cookie is gone.
    here.closeBrowser()
    assert.equal(await statusOf(here), 200)
  })

  test('disabling a staff member ends their sessions at once', async ({ assert }) => {
    const fixture = await grantsFixture()
    const browsers = await twoBrowsersOfClerk(fixture)
    const admin = await sessionOf(fixture, 'hr')

    await admin.send('PUT', `/permissions/staff/${fixture.staff.lesser.id}/status`, {
      status: 'disabled',
    })

    assert.deepEqual(await stored(fixture.staff.lesser.id), { sessions: 0, tokens: 0 })
    for (const browser of browsers) assert.equal(await whereTo(browser), '/login')
  })

  test('taking a role or a project away ends the sessions; adding one does not', async ({
    assert,
  }) => {
    const fixture = await grantsFixture()
    const target = fixture.staff.lesser.id
    const admin = await sessionOf(fixture, 'boss')
    await twoBrowsersOfClerk(fixture)

    await admin.send('PUT', `/permissions/staff/${target}`, {
      name: 'lesser',
      roleIds: [fixture.roles['访客'], fixture.roles.support],
      projectIds: [fixture.projectA, fixture.projectB],
    })
    assert.deepEqual(await stored(target), { sessions: 2, tokens: 2 })

    await admin.send('PUT', `/permissions/staff/${target}`, {
      name: 'lesser',
      roleIds: [fixture.roles['访客']],
      projectIds: [fixture.projectA, fixture.projectB],
    })
    assert.deepEqual(await stored(target), { sessions: 0, tokens: 0 })

    await twoBrowsersOfClerk(fixture)
    await admin.send('PUT', `/permissions/staff/${target}`, {
      name: 'lesser',
      roleIds: [fixture.roles['访客']],
      projectIds: [fixture.projectA],
    })
    assert.deepEqual(await stored(target), { sessions: 0, tokens: 0 })
  })

  test('suspending the tenant ends every staff session and remember-me token at once', async ({
    assert,
  }) => {
    const fixture = await grantsFixture()
    const browsers = await twoBrowsersOfClerk(fixture)
    const admin = await sessionOf(fixture, 'boss')

    await new PlatformTenantService().suspend(fixture.tenantId, { actor: null, request: null })

    for (const member of ['lesser', 'boss'] as const) {
      assert.deepEqual(await stored(fixture.staff[member].id), { sessions: 0, tokens: 0 })
    }
    for (const browser of [...browsers, admin]) {
      assert.equal(await whereTo(browser), '/login')
    }
  })

  test('a session restored from a remember-me cookie ends with the others', async ({ assert }) => {
    const fixture = await grantsFixture()
    const [browser] = await twoBrowsersOfClerk(fixture)
    browser.closeBrowser()
    // A new session, opened by the remember-me cookie alone (the closed one's row lingers).
    assert.equal(await statusOf(browser), 200)
    assert.deepEqual(await stored(fixture.staff.lesser.id), { sessions: 3, tokens: 2 })

    const admin = await sessionOf(fixture, 'boss')
    await admin.send('PUT', `/permissions/staff/${fixture.staff.lesser.id}/password`, {
      password: 'reset-pass-22',
    })
    assert.deepEqual(await stored(fixture.staff.lesser.id), { sessions: 0, tokens: 0 })
    assert.equal(await whereTo(browser), '/login')
  })

  test('a session written back by a request in flight when it ended does not stand', async ({
    assert,
  }) => {
    const fixture = await grantsFixture()
    const [browser] = await twoBrowsersOfClerk(fixture)
    assert.equal(await statusOf(browser), 200)
    // What a request's late session commit leaves behind: the row again, without its tag.
    await db
      .connection('owner')
      .from('sessions')
      .where('user_id', sessionTagOf(fixture.staff.lesser.id))
      .update({ user_id: null })

    assert.equal(await whereTo(browser), '/login')
    assert.equal(await browser.flashedError(), '登录已失效，请重新登录')
  })
})
