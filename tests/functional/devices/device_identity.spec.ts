import { test } from '@japa/runner'
import AuditService from '#core/audit/audit_service'
import DeviceCredentialService from '#services/operations/device_credential_service'
import DeviceEventService from '#services/operations/device_event_service'
import {
  hashDeviceSecret,
  IDENTITY_NOTICE_MINUTES,
  PENDING_PER_IP,
  PENDING_TOTAL,
} from '#services/operations/device_identity_service'
import GatewaySink from '#services/operations/gateway/gateway_sink'
import type { VendorDeviceProof } from '#sdk/contracts/vendor'
import { type BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import {
  auditActions,
  deviceFixture,
  flashError,
  freshDnyKey,
  freshIccid,
  owner,
  pileColumn,
  pileRow,
} from '#tests/functional/devices/helpers'

/*
| Device identity through the gateway's sink against the real database:
| what each proof earns, the pending cap, the identity-changed notice and
| key rotation; then the staff routes of the pile page and claiming by code.
*/

const secret = (value: string): VendorDeviceProof => ({ kind: 'secret', secret: value })
const iccid = (value: string): VendorDeviceProof => ({ kind: 'iccid', iccid: value })
const none: VendorDeviceProof = { kind: 'none' }

async function verdict(decision: Promise<{ outcome: string }>) {
  const { outcome } = await decision
  return outcome
}

async function prop(browser: BrowserSession, path: string, name: string) {
  const props = await browser.props(path)
  return props[name]
}

let ocppSequence = 0
function freshChargeBoxId() {
  ocppSequence += 1
  return `ID${process.pid}-${ocppSequence}`
}

/** A fixture with a registered pile of `pluginId` and the credential service as its admin. */
async function pileFixture(pluginId: 'vendor-dny' | 'vendor-ocpp16' = 'vendor-ocpp16') {
  const fixture = await deviceFixture()
  const vendor =
    pluginId === 'vendor-dny'
      ? fixture.vendor
      : await fixture.registry.vendors.create({ name: 'OCPP', pluginId })
  const deviceKey = pluginId === 'vendor-dny' ? freshDnyKey() : freshChargeBoxId()
  const pile = await fixture.registry.piles.create({
    stationId: fixture.station.id,
    vendorId: vendor.id,
    deviceKey,
    name: '桩',
    portCount: 2,
  })
  const credentials = new DeviceCredentialService(fixture.asAdmin, new AuditService())
  const sink = new GatewaySink(pluginId)
  const claim = (proof: VendorDeviceProof, ip = '10.9.0.1') =>
    sink.authenticate({ deviceKey, proof, ip })
  return { ...fixture, ocppVendor: vendor, pile, deviceKey, credentials, sink, claim }
}

test.group('Device identity: what a device proves', () => {
  test('a key the plugin would never produce is refused', async ({ assert }) => {
    const sink = new GatewaySink('vendor-dny')
    assert.deepEqual(await sink.authenticate({ deviceKey: 'not-a-dny-id', proof: none }), {
      outcome: 'refused',
      reason: 'invalid_key',
    })
  })

  test('a new pile needs its 设备密钥: right, wrong, none, and Profile 0 when allowed', async ({
    assert,
  }) => {
    const { pile, claim, credentials } = await pileFixture()
    assert.isFalse(await pileColumn(pile.id, 'allow_unauthenticated'))
    const { secret: key } = await credentials.rotateSecret(pile.id, false)

    assert.deepEqual(await claim(secret(key)), { outcome: 'authenticated' })
    assert.deepEqual(await claim(secret('0'.repeat(40))), {
      outcome: 'refused',
      reason: 'bad_credentials',
    })
    assert.deepEqual(await claim(secret('x'.repeat(100_000))), {
      outcome: 'refused',
      reason: 'bad_credentials',
    })
    assert.deepEqual(await claim(none), { outcome: 'refused', reason: 'bad_credentials' })

    await credentials.setAllowUnauthenticated(pile.id, true)
    assert.deepEqual(await claim(none), { outcome: 'unproven', registered: true })
    // Allowing no proof does not make a wrong one right.
    assert.deepEqual(await claim(secret('0'.repeat(40))), {
      outcome: 'refused',
      reason: 'bad_credentials',
    })
    assert.deepEqual(await claim(secret(key)), { outcome: 'authenticated' })
  })

  test('a DNY pile is bound to its first ICCID; another one is refused with one notice per window', async ({
    assert,
  }) => {
    const { pile, claim } = await pileFixture('vendor-dny')
    const first = freshIccid()
    const swapped = freshIccid()

    assert.deepEqual(await claim(iccid(first)), { outcome: 'authenticated' })
    assert.equal(await pileColumn(pile.id, 'bound_iccid'), first)
    assert.deepEqual(await claim(iccid(first)), { outcome: 'authenticated' })
    assert.deepEqual(await claim(iccid('garbage')), {
      outcome: 'refused',
      reason: 'bad_credentials',
    })

    assert.deepEqual(await claim(iccid(swapped), '10.7.7.7'), {
      outcome: 'refused',
      reason: 'identity_changed',
    })
    const noticed = await pileRow(pile.id)
    assert.equal(noticed.bound_iccid, first)
    assert.equal(noticed.identity_notice_iccid, swapped)
    assert.equal(noticed.identity_notice_ip, '10.7.7.7')

    // A flood of other ICCIDs, also from another gateway process (a fresh sink), writes nothing more.
    for (let attempt = 0; attempt < 5; attempt++) {
      assert.equal(await verdict(claim(iccid(freshIccid()))), 'refused')
    }
    const other = new GatewaySink('vendor-dny')
    const flood = await other.authenticate({
      deviceKey: pile.deviceKey,
      proof: iccid(freshIccid()),
      ip: '10.7.7.8',
    })
    assert.deepEqual(flood, { outcome: 'refused', reason: 'identity_changed' })
    const after = await pileRow(pile.id)
    assert.equal(after.identity_notice_iccid, swapped)
    assert.equal(after.identity_notice_at.getTime(), noticed.identity_notice_at.getTime())

    // After the window the latest attempt is noticed again (by a process that has not throttled it).
    await owner()
      .from('piles')
      .where('id', pile.id)
      .update({
        identity_notice_at: new Date(Date.now() - (IDENTITY_NOTICE_MINUTES + 1) * 60_000),
      })
    const later = freshIccid()
    await new GatewaySink('vendor-dny').authenticate({
      deviceKey: pile.deviceKey,
      proof: iccid(later),
      ip: '10.7.7.9',
    })
    assert.equal(await pileColumn(pile.id, 'identity_notice_iccid'), later)
  })

  test('rotation: the old key works until the new one is used, or until the grace ends', async ({
    assert,
  }) => {
    const { pile, claim, credentials } = await pileFixture()
    const { secret: original } = await credentials.rotateSecret(pile.id, false)
    const { secret: second } = await credentials.rotateSecret(pile.id, false)

    assert.deepEqual(await claim(secret(original)), { outcome: 'authenticated' })
    // Rotated again before the new key was used: the device still holds the original.
    const { secret: third } = await credentials.rotateSecret(pile.id, false)
    assert.deepEqual(await claim(secret(original)), { outcome: 'authenticated' })
    assert.equal(await verdict(claim(secret(second))), 'refused')

    assert.deepEqual(await claim(secret(third)), { outcome: 'authenticated' })
    assert.deepEqual(await claim(secret(original)), {
      outcome: 'refused',
      reason: 'bad_credentials',
    })
    assert.isNull(await pileColumn(pile.id, 'previous_secret_hash'))

    const { secret: fourth } = await credentials.rotateSecret(pile.id, false)
    assert.deepEqual(await claim(secret(third)), { outcome: 'authenticated' })
    await owner()
      .from('piles')
      .where('id', pile.id)
      .update({ previous_secret_expires_at: new Date(Date.now() - 1000) })
    assert.deepEqual(await claim(secret(third)), {
      outcome: 'refused',
      reason: 'bad_credentials',
    })
    assert.deepEqual(await claim(secret(fourth)), { outcome: 'authenticated' })
  })

  test('unknown keys wait while pending_piles has room per address and in all', async ({
    assert,
  }) => {
    const sink = new GatewaySink('vendor-dny')
    const events = new DeviceEventService()
    const flooder = `10.66.${process.pid % 250}.1`
    const waiting = freshDnyKey()
    assert.deepEqual(await sink.authenticate({ deviceKey: waiting, proof: none, ip: flooder }), {
      outcome: 'unproven',
      registered: false,
    })
    await events.recordHeartbeat('vendor-dny', waiting, { ip: flooder })
    try {
      await owner().rawQuery(
        `INSERT INTO pending_piles (plugin_id, device_key, last_seen_ip, first_seen_at, last_seen_at)
         SELECT 'vendor-test', 'flood-' || n, ?, now(), now() FROM generate_series(2, ?) AS n`,
        [flooder, PENDING_PER_IP]
      )
      const refused = freshDnyKey()
      assert.deepEqual(await sink.authenticate({ deviceKey: refused, proof: none, ip: flooder }), {
        outcome: 'refused',
        reason: 'pending_full',
      })
      // Where pending rows are written the cap holds too; a pile already waiting is still seen.
      await events.recordHeartbeat('vendor-dny', refused, { ip: flooder })
      assert.isNull(await owner().from('pending_piles').where('device_key', refused).first())
      assert.deepEqual(await sink.authenticate({ deviceKey: waiting, proof: none, ip: flooder }), {
        outcome: 'unproven',
        registered: false,
      })
      const elsewhere = freshDnyKey()
      assert.deepEqual(
        await sink.authenticate({ deviceKey: elsewhere, proof: none, ip: '10.67.0.1' }),
        { outcome: 'unproven', registered: false }
      )

      const [{ total }] = await owner().from('pending_piles').count('* as total')
      await owner().rawQuery(
        `INSERT INTO pending_piles (plugin_id, device_key, last_seen_ip, first_seen_at, last_seen_at)
         SELECT 'vendor-test', 'all-' || n, '10.68.' || (n % 200) || '.' || (n / 200), now(), now()
         FROM generate_series(1, ?) AS n`,
        [Math.max(0, PENDING_TOTAL - Number(total))]
      )
      assert.deepEqual(
        await sink.authenticate({ deviceKey: elsewhere, proof: none, ip: '10.67.0.1' }),
        { outcome: 'refused', reason: 'pending_full' }
      )
      await events.recordHeartbeat('vendor-dny', elsewhere, { ip: '10.67.0.1' })
      assert.isNull(await owner().from('pending_piles').where('device_key', elsewhere).first())
    } finally {
      await owner().from('pending_piles').where('plugin_id', 'vendor-test').delete()
    }
  })
})

test.group('Device identity: staff on the pile page', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('生成设备密钥: shown once, stored hashed, audited without the key', async ({ assert }) => {
    const { browser, pile, claim, tenant } = await pileFixture()
    const page = `/operations/piles/${pile.id}`

    const issued = await browser.send('POST', `${page}/secret`, {}, page)
    assert.equal(issued.location, page)
    const shown = await prop(browser, page, 'issuedSecret')
    assert.match(shown.secret, /^[0-9a-f]{40}$/)
    assert.isFalse(shown.pushed)
    assert.isNull(await prop(browser, page, 'issuedSecret'))

    const row = await pileRow(pile.id)
    assert.equal(row.secret_hash, hashDeviceSecret(shown.secret))
    assert.notInclude(JSON.stringify(row), shown.secret)
    const shownPile = await prop(browser, page, 'pile')
    assert.isTrue(shownPile.hasSecret)
    const audits = await auditActions(tenant.id)
    const audit = audits.find((entry) => entry.action === 'devices.pile_secret')
    assert.exists(audit)
    assert.notInclude(JSON.stringify(audits), shown.secret)
    assert.notInclude(JSON.stringify(audits), row.secret_hash)

    assert.deepEqual(await claim(secret(shown.secret)), { outcome: 'authenticated' })
  })

  test('pushing the key to a connected OCPP charger queues ChangeConfiguration AuthorizationKey, masked once done', async ({
    assert,
  }) => {
    const { browser, pile } = await pileFixture()
    const page = `/operations/piles/${pile.id}`
    await browser.send('POST', `${page}/secret`, { push: true }, page)
    assert.equal(
      await flashError(browser, page),
      '设备不在线，无法下发设备密钥（可不勾选下发，在设备上手动设置）'
    )
    assert.isNull(await pileColumn(pile.id, 'secret_hash'))

    await owner().from('piles').where('id', pile.id).update({ online: true })
    await browser.send('POST', `${page}/secret`, { push: true }, page)
    const props = await browser.props(page)
    assert.isTrue(props.issuedSecret.pushed)
    const [command] = await owner().from('device_commands').where('pile_id', pile.id)
    assert.equal(command.command, 'set_parameters')
    assert.deepEqual(command.parameters, { AuthorizationKey: props.issuedSecret.secret })
    assert.deepEqual(props.commands[0].parameters, { AuthorizationKey: '******' })

    await new DeviceEventService().recordCommandResult(command.id, 'acked', {
      AuthorizationKey: 'Accepted',
    })
    const done = await owner().from('device_commands').where('id', command.id).firstOrFail()
    assert.deepEqual(done.parameters, { AuthorizationKey: '******' })
  })

  test('a DNY key cannot be pushed', async ({ assert }) => {
    const { browser, pile } = await pileFixture('vendor-dny')
    const page = `/operations/piles/${pile.id}`
    await browser.send('POST', `${page}/secret`, { push: true }, page)
    assert.equal(await flashError(browser, page), '只有 OCPP 充电机可以远程下发设备密钥')
  })

  test('允许无认证接入 and 接受模块更换 are audited; another tenant gets 404', async ({
    assert,
  }) => {
    const { browser, pile, claim, tenant } = await pileFixture('vendor-dny')
    const page = `/operations/piles/${pile.id}`

    await browser.send('PUT', `${page}/unauthenticated`, { allowed: true }, page)
    assert.isTrue(await pileColumn(pile.id, 'allow_unauthenticated'))
    assert.deepEqual(await claim(none), { outcome: 'unproven', registered: true })

    await browser.send('POST', `${page}/accept-identity`, {}, page)
    assert.equal(await flashError(browser, page), '该设备没有待处理的身份变更')

    const first = freshIccid()
    const swapped = freshIccid()
    await claim(iccid(first))
    assert.equal(await verdict(claim(iccid(swapped))), 'refused')
    const shownPile = await prop(browser, page, 'pile')
    assert.equal(shownPile.identityNotice.iccid, swapped)
    await browser.send('POST', `${page}/accept-identity`, {}, page)
    const accepted = await pileRow(pile.id)
    assert.equal(accepted.bound_iccid, swapped)
    assert.isNull(accepted.identity_notice_iccid)
    assert.deepEqual(await claim(iccid(swapped)), { outcome: 'authenticated' })
    assert.equal(await verdict(claim(iccid(first))), 'refused')

    const audited = await auditActions(tenant.id)
    const actions = audited.map((entry) => entry.action)
    assert.includeMembers(actions, ['devices.pile_unauthenticated', 'devices.pile_iccid_accept'])

    const stranger = await deviceFixture()
    for (const [method, path, body] of [
      ['POST', `${page}/secret`, {}],
      ['PUT', `${page}/unauthenticated`, { allowed: false }],
      ['POST', `${page}/accept-identity`, {}],
    ] as const) {
      const response = await stranger.browser.send(method, path, body)
      assert.equal(response.status, 404, `${method} ${path}`)
    }
    const untouched = await pileRow(pile.id)
    assert.isNull(untouched.secret_hash)
    assert.isTrue(untouched.allow_unauthenticated)
  })
})

test.group('Device identity: claiming by the printed code', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('the number under the QR code claims a waiting DNY pile; a wrong code and another tenant’s key answer alike', async ({
    assert,
  }) => {
    const claimer = await deviceFixture()
    const owning = await deviceFixture()
    const events = new DeviceEventService()
    const waiting = freshDnyKey()
    const bound = freshIccid()
    await events.recordHeartbeat('vendor-dny', waiting, { portCount: 2, iccid: bound })

    // Another tenant's registered pile, with a stale pending row as a gateway cache could leave.
    const taken = freshDnyKey()
    await owning.registry.piles.create({
      stationId: owning.station.id,
      vendorId: owning.vendor.id,
      deviceKey: taken,
      name: '别家的桩',
      portCount: 2,
    })
    await events.recordHeartbeat('vendor-dny', taken, {})
    await owner().insertQuery().table('pending_piles').insert({
      plugin_id: 'vendor-dny',
      device_key: taken,
      first_seen_at: new Date(),
      last_seen_at: new Date(),
    })

    const attempt = async (code: string) => {
      const page = '/operations/piles'
      await claimer.browser.send(
        'POST',
        '/operations/piles/claim',
        { stationId: claimer.station.id, vendorId: claimer.vendor.id, code, name: '认领' },
        page
      )
      return flashError(claimer.browser, page)
    }
    const wrong = await attempt(String(Number.parseInt(freshDnyKey().slice(2), 16)))
    const probed = await attempt(String(Number.parseInt(taken.slice(2), 16)))
    assert.exists(wrong)
    assert.equal(probed, wrong)
    assert.equal(await attempt(taken), wrong)
    const stillTheirs = await owner().from('piles').where('device_key', taken).firstOrFail()
    assert.equal(stillTheirs.tenant_id, owning.tenant.id)

    assert.isUndefined(await attempt(String(Number.parseInt(waiting.slice(2), 16))))
    const claimed = await owner().from('piles').where('device_key', waiting).firstOrFail()
    assert.equal(claimed.tenant_id, claimer.tenant.id)
    assert.equal(claimed.bound_iccid, bound)
    assert.isFalse(claimed.allow_unauthenticated)
    assert.deepEqual(
      await new GatewaySink('vendor-dny').authenticate({ deviceKey: waiting, proof: iccid(bound) }),
      { outcome: 'authenticated' }
    )
  })
})
