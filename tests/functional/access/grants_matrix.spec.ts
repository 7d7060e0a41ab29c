import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import { resetLoginLimits, type BrowserSession } from '#tests/helpers/login'
import {
  grantsFixture,
  refusals,
  sessionOf,
  tenantState,
  type GrantsFixture,
  type Member,
} from '#tests/functional/access/fixture'

/*
| Nobody grants more than they hold. Each cell is one request and its whole
| answer: `done` (the change is there), `refused` (403 from the grant rules,
| nothing changed, the attempt in the audit log), `forbidden` (403 from the
| page's permission, nothing changed) or `declined` (a business refusal,
| 422/redirect, nothing changed).
*/
type Outcome = 'done' | 'refused' | 'forbidden' | 'declined'
type Actor = 'super' | 'allAdmin' | 'hr' | 'rolesOnly'
type Target = 'self' | 'peer' | 'superAdmin' | 'lesser' | 'outsider'
type StaffAction = 'edit' | 'grantSuper' | 'reset' | 'disable' | 'link'

/** The member each target names, for each actor. */
function memberOf(actor: Actor, target: Target): Member {
  if (target === 'self') return actor
  if (target === 'peer') return `${actor}Peer` as Member
  if (target === 'superAdmin') return 'boss'
  return target
}

const ALL_DONE: Record<Target, Outcome> = {
  self: 'done',
  peer: 'done',
  superAdmin: 'done',
  lesser: 'done',
  outsider: 'done',
}
const NONE: Record<Target, Outcome> = {
  self: 'forbidden',
  peer: 'forbidden',
  superAdmin: 'forbidden',
  lesser: 'forbidden',
  outsider: 'forbidden',
}

const MATRIX: Record<Actor, Record<StaffAction, Record<Target, Outcome>>> = {
  // 超级管理员 over all projects: over everyone, but not their own password or account.
  super: {
    edit: { ...ALL_DONE },
    grantSuper: { ...ALL_DONE },
    reset: { ...ALL_DONE, self: 'refused' },
    disable: { ...ALL_DONE, self: 'declined' },
    link: { ...ALL_DONE },
  },
  // staff.manage + riders.view over all projects.
  allAdmin: {
    edit: { ...ALL_DONE, superAdmin: 'refused' },
    grantSuper: {
      self: 'refused',
      peer: 'refused',
      superAdmin: 'refused',
      lesser: 'refused',
      outsider: 'refused',
    },
    reset: { ...ALL_DONE, self: 'refused', superAdmin: 'refused' },
    disable: { ...ALL_DONE, self: 'declined', superAdmin: 'refused' },
    link: { ...ALL_DONE, superAdmin: 'refused' },
  },
  // 人事: staff.manage only, limited to project A (the reproduced hole).
  hr: {
    edit: { ...ALL_DONE, superAdmin: 'refused', outsider: 'refused' },
    grantSuper: {
      self: 'refused',
      peer: 'refused',
      superAdmin: 'refused',
      lesser: 'refused',
      outsider: 'refused',
    },
    reset: { ...ALL_DONE, self: 'refused', superAdmin: 'refused', outsider: 'refused' },
    disable: { ...ALL_DONE, self: 'declined', superAdmin: 'refused', outsider: 'refused' },
    link: { ...ALL_DONE, superAdmin: 'refused', outsider: 'refused' },
  },
  // roles.manage only: no say over staff at all.
  rolesOnly: {
    edit: NONE,
    grantSuper: NONE,
    reset: NONE,
    disable: NONE,
    link: NONE,
  },
}

async function current(fixture: GrantsFixture, staffId: number) {
  const owner = db.connection('owner')
  const roles = await owner.from('staff_roles').where('staff_id', staffId).select('role_id')
  const projects = await owner
    .from('staff_projects')
    .where('staff_id', staffId)
    .select('project_id')
  const staff = await owner.from('staff').where('id', staffId).first()
  return {
    staff,
    roleIds: roles.map((row) => Number(row.role_id)),
    projectIds: projects.map((row) => Number(row.project_id)),
    identities: await owner.from('staff_identities').where('staff_id', staffId),
    tenantId: fixture.tenantId,
  }
}

/** Whether a staff member's state now satisfies `check`. */
async function after(
  fixture: GrantsFixture,
  staffId: number,
  check: (now: Awaited<ReturnType<typeof current>>) => boolean
) {
  return check(await current(fixture, staffId))
}

/** Sends one staff action; returns the response and how to see that it was done. */
async function perform(
  browser: BrowserSession,
  fixture: GrantsFixture,
  action: StaffAction,
  staffId: number
) {
  const before = await current(fixture, staffId)
  switch (action) {
    case 'edit': {
      const response = await browser.send('PUT', `/permissions/staff/${staffId}`, {
        name: '新名字',
        roleIds: before.roleIds,
        projectIds: before.projectIds,
      })
      return {
        response,
        done: async () => after(fixture, staffId, (now) => now.staff.name === '新名字'),
      }
    }
    case 'grantSuper': {
      const response = await browser.send('PUT', `/permissions/staff/${staffId}`, {
        name: before.staff.name,
        roleIds: [fixture.roles.super_admin],
        projectIds: [],
      })
      const done = async () =>
        after(
          fixture,
          staffId,
          (now) =>
            now.roleIds.length === 1 &&
            now.roleIds[0] === fixture.roles.super_admin &&
            now.projectIds.length === 0
        )
      return { response, done }
    }
    case 'reset': {
      const response = await browser.send('PUT', `/permissions/staff/${staffId}/password`, {
        password: 'taken-over-1',
      })
      const done = async () =>
        after(fixture, staffId, (now) => now.staff.password !== before.staff.password)
      return { response, done }
    }
    case 'disable': {
      const response = await browser.send('PUT', `/permissions/staff/${staffId}/status`, {
        status: 'disabled',
      })
      const done = async () => after(fixture, staffId, (now) => now.staff.status === 'disabled')
      return { response, done }
    }
    case 'link': {
      const response = await browser.send('POST', '/sso/identities', {
        staffId,
        provider: 'dingtalk',
        externalId: `attacker-${staffId}`,
      })
      const done = async () =>
        after(fixture, staffId, (now) =>
          now.identities.some((row) => row.external_id === `attacker-${staffId}`)
        )
      return { response, done }
    }
  }
}

const AUDIT_ACTIONS: Record<StaffAction, string> = {
  edit: 'staff.update',
  grantSuper: 'staff.update',
  reset: 'staff.reset_password',
  disable: 'staff.disable',
  link: 'sso.link_identity',
}

test.group('Grants matrix: actions over staff', (group) => {
  group.each.setup(() => resetLoginLimits())

  const rows = (Object.keys(MATRIX) as Actor[]).flatMap((actor) =>
    (Object.keys(MATRIX[actor]) as StaffAction[]).map((action) => ({ actor, action }))
  )

  test('{actor}: {action} over self, a peer, a super admin, a lesser and an outside staff member')
    .with(rows)
    .run(async ({ assert }, { actor, action }) => {
      const fixture = await grantsFixture()
      const browser = await sessionOf(fixture, actor)
      for (const [target, expected] of Object.entries(MATRIX[actor][action]) as [
        Target,
        Outcome,
      ][]) {
        const member = memberOf(actor, target)
        const staffId = fixture.staff[member].id
        const label = `${actor} ${action} ${target}`
        const state = await tenantState(fixture.tenantId)
        const { length: refusedBefore } = await refusals(fixture.tenantId)

        const { response, done } = await perform(browser, fixture, action, staffId)

        const refused = await refusals(fixture.tenantId)
        if (expected === 'done') {
          assert.equal(response.status, 302, label)
          assert.isTrue(await done(), label)
          assert.lengthOf(refused, refusedBefore, label)
          continue
        }
        assert.deepEqual(await tenantState(fixture.tenantId), state, `${label}: nothing changed`)
        if (expected === 'declined') {
          assert.equal(response.status, 302, label)
          assert.lengthOf(refused, refusedBefore, label)
          continue
        }
        assert.equal(response.status, 403, label)
        if (expected === 'forbidden') {
          assert.lengthOf(refused, refusedBefore, label)
          continue
        }
        assert.lengthOf(refused, refusedBefore + 1, `${label}: the refusal is audited`)
        assert.deepInclude(refused.at(-1), {
          action: AUDIT_ACTIONS[action],
          staff_id: fixture.staff[actor].id,
          target_type: 'staff',
          target_id: String(staffId),
        })
      }
    })
})

type OpenAction =
  | 'createRoleOwn'
  | 'createRoleBeyond'
  | 'editRoleBeyond'
  | 'createStaffLesser'
  | 'createStaffAllProjects'
  | 'createStaffSuper'
  | 'createStaffOtherProject'

const OPEN_MATRIX: Record<Actor, Record<OpenAction, Outcome>> = {
  super: {
    createRoleOwn: 'done',
    createRoleBeyond: 'done',
    editRoleBeyond: 'done',
    createStaffLesser: 'done',
    createStaffAllProjects: 'done',
    createStaffSuper: 'done',
    createStaffOtherProject: 'done',
  },
  allAdmin: {
    createRoleOwn: 'forbidden',
    createRoleBeyond: 'forbidden',
    editRoleBeyond: 'forbidden',
    createStaffLesser: 'done',
    createStaffAllProjects: 'done',
    createStaffSuper: 'refused',
    createStaffOtherProject: 'done',
  },
  hr: {
    createRoleOwn: 'forbidden',
    createRoleBeyond: 'forbidden',
    editRoleBeyond: 'forbidden',
    createStaffLesser: 'done',
    createStaffAllProjects: 'refused',
    createStaffSuper: 'refused',
    createStaffOtherProject: 'refused',
  },
  rolesOnly: {
    createRoleOwn: 'done',
    createRoleBeyond: 'refused',
    editRoleBeyond: 'refused',
    createStaffLesser: 'forbidden',
    createStaffAllProjects: 'forbidden',
    createStaffSuper: 'forbidden',
    createStaffOtherProject: 'forbidden',
  },
}

/** The permissions each actor holds, for the role it may create. */
const OWN_PERMISSIONS: Record<Actor, string[]> = {
  super: ['finance.view'],
  allAdmin: ['riders.view'],
  hr: ['staff.manage'],
  rolesOnly: ['roles.manage'],
}

async function performOpen(
  browser: BrowserSession,
  fixture: GrantsFixture,
  actor: Actor,
  action: OpenAction
) {
  const owner = db.connection('owner')
  const name = `${action}_${fixture.tenantId}`
  const roleNamed = () => owner.from('roles').where('tenant_id', fixture.tenantId).where({ name })
  const staffNamed = () => owner.from('staff').where('account', name.toLowerCase())
  const createStaff = (roleIds: number[], projectIds: number[]) =>
    browser.send('POST', '/permissions/staff', {
      account: name.toLowerCase(),
      name: '新员工',
      password: 'initial-pass-1',
      roleIds,
      projectIds,
    })
  switch (action) {
    case 'createRoleOwn':
    case 'createRoleBeyond': {
      const permissions =
        action === 'createRoleOwn'
          ? OWN_PERMISSIONS[actor]
          : [...OWN_PERMISSIONS[actor], 'finance.export']
      const response = await browser.send('POST', '/permissions/roles', { name, permissions })
      return { response, target: null, done: async () => Boolean(await roleNamed().first()) }
    }
    case 'editRoleBeyond': {
      const roleId = fixture.roles['财务报表']
      const response = await browser.send('PUT', `/permissions/roles/${roleId}`, {
        name,
        permissions: ['finance.view', 'audit.view'],
      })
      const done = async () =>
        Boolean(await owner.from('roles').where({ id: roleId, name }).first())
      return { response, target: { type: 'role', id: roleId }, done }
    }
    case 'createStaffLesser':
    case 'createStaffAllProjects':
    case 'createStaffSuper':
    case 'createStaffOtherProject': {
      const response = await (action === 'createStaffLesser'
        ? createStaff([fixture.roles['访客']], [fixture.projectA])
        : action === 'createStaffAllProjects'
          ? createStaff([fixture.roles['访客']], [])
          : action === 'createStaffSuper'
            ? createStaff([fixture.roles.super_admin], [fixture.projectA])
            : createStaff([fixture.roles['访客']], [fixture.projectB]))
      return { response, target: null, done: async () => Boolean(await staffNamed().first()) }
    }
  }
}

const OPEN_AUDIT_ACTIONS: Record<OpenAction, string> = {
  createRoleOwn: 'roles.create',
  createRoleBeyond: 'roles.create',
  editRoleBeyond: 'roles.update',
  createStaffLesser: 'staff.create',
  createStaffAllProjects: 'staff.create',
  createStaffSuper: 'staff.create',
  createStaffOtherProject: 'staff.create',
}

test.group('Grants matrix: creating and editing roles and staff', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('{actor}: roles and staff it may and may not create')
    .with((Object.keys(OPEN_MATRIX) as Actor[]).map((actor) => ({ actor })))
    .run(async ({ assert }, { actor }) => {
      const fixture = await grantsFixture()
      const browser = await sessionOf(fixture, actor)
      for (const [action, expected] of Object.entries(OPEN_MATRIX[actor]) as [
        OpenAction,
        Outcome,
      ][]) {
        const label = `${actor} ${action}`
        const state = await tenantState(fixture.tenantId)
        const { length: refusedBefore } = await refusals(fixture.tenantId)

        const { response, target, done } = await performOpen(browser, fixture, actor, action)

        const refused = await refusals(fixture.tenantId)
        if (expected === 'done') {
          assert.equal(response.status, 302, label)
          assert.isTrue(await done(), label)
          continue
        }
        assert.equal(response.status, 403, label)
        assert.deepEqual(await tenantState(fixture.tenantId), state, `${label}: nothing changed`)
        if (expected === 'forbidden') {
          assert.lengthOf(refused, refusedBefore, label)
          continue
        }
        assert.lengthOf(refused, refusedBefore + 1, `${label}: the refusal is audited`)
        assert.deepInclude(refused.at(-1), {
          action: OPEN_AUDIT_ACTIONS[action],
          staff_id: fixture.staff[actor].id,
          target_type: target?.type ?? null,
          target_id: target ? String(target.id) : null,
        })
      }
    })
})
