/*
| Every permission, in one place. A role is a set of these; policies and the
| menu name them. Labels live in resources/lang/<locale>/permissions.json.
*/
// Exporting a list (下载中心): each list's own, beside finance.export for the finance lists.
const LIST_EXPORTS = [
  'riders.export',
  'cards.export',
  'orders.export',
  'operations.export',
  'logs.export',
  'permissions.export',
] as const

export const PERMISSIONS = [
  'riders.view',
  'riders.create',
  'riders.edit',
  'riders.freeze',
  'cards.view',
  'cards.issue',
  'cards.manage',
  'wallet.topup',
  'wallet.refund',
  'ledger.view',
  'coupons.manage',
  'orders.view',
  'orders.manage',
  'finance.view',
  'finance.export',
  'finance.reconcile',
  'devices.view',
  'devices.command',
  'devices.manage',
  'repairs.manage',
  'data.view',
  'staff.manage',
  'roles.manage',
  'settings.manage',
  'audit.view',
  ...LIST_EXPORTS,
  // Property owners: managing them and their shares; reading and exporting statements
  // (an owner account: its own).
  'owners.manage',
  'owners.statement',
  'owners.export',
] as const

/** The permissions that start an export of some list; any of them opens 下载中心. */
export const EXPORT_PERMISSIONS = ['finance.export', ...LIST_EXPORTS] as const

export type Permission = (typeof PERMISSIONS)[number]

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value)
}

export const BUILTIN_ROLE_KEYS = [
  'super_admin',
  'operator',
  'finance',
  'maintenance',
  'support',
  'owner',
] as const
export type BuiltinRoleKey = (typeof BUILTIN_ROLE_KEYS)[number]

/** The roles every tenant starts with; tenants may add their own. */
export const BUILTIN_ROLES: Record<
  BuiltinRoleKey,
  { name: string; permissions: readonly Permission[] }
> = {
  super_admin: { name: '超级管理员', permissions: PERMISSIONS },
  operator: {
    name: '运营',
    permissions: [
      'riders.view',
      'riders.create',
      'riders.edit',
      'riders.freeze',
      'cards.view',
      'cards.issue',
      'cards.manage',
      'wallet.topup',
      'ledger.view',
      'coupons.manage',
      'orders.view',
      'orders.manage',
      'data.view',
      'riders.export',
      'cards.export',
      'orders.export',
    ],
  },
  finance: {
    name: '财务',
    permissions: [
      'riders.view',
      'ledger.view',
      'coupons.manage',
      'orders.view',
      'wallet.refund',
      'finance.view',
      'finance.export',
      'finance.reconcile',
      'data.view',
      'orders.export',
      'owners.statement',
      'owners.export',
    ],
  },
  maintenance: {
    name: '运维',
    permissions: [
      'devices.view',
      'devices.command',
      'devices.manage',
      'repairs.manage',
      'orders.view',
      'data.view',
      'operations.export',
      'orders.export',
    ],
  },
  support: {
    name: '客服',
    permissions: [
      'riders.view',
      'riders.freeze',
      'cards.view',
      'cards.issue',
      'ledger.view',
      'orders.view',
      'riders.export',
      'cards.export',
      'orders.export',
    ],
  },
  // A staff member tied to one owner (staff.owner_id): that owner's statement, nothing else.
  owner: { name: '业主', permissions: ['owners.statement', 'owners.export'] },
}
