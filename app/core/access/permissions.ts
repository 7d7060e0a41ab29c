/*
| Every permission, in one place. A role is a set of these; policies and the
| menu name them. Labels live in resources/lang/<locale>/permissions.json.
*/
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
] as const

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
    ],
  },
}
