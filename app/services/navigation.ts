/*
| The admin's menus, as in the old system: ten top sections, each with its
| side menu. Labels are i18n keys (nav.<section>, menu.<section>.<item>).
| Pages that later work fills in are served by a "not yet available" page.
| Each page names the permission it needs; the menu shows a staff member
| only what they may open, and the server refuses the rest anyway.
*/
import { EXPORT_PERMISSIONS, type Permission } from '#core/access/permissions'

// Type aliases, not interfaces: Inertia props must be plain JSON types.
export type NavigationItem = {
  key: string
  path: string
  /** Any one of several permissions opens the page. */
  permission: Permission | Permission[] | null
}

export type NavigationSection = {
  key: string
  path: string
  items: NavigationItem[]
}

function section(
  key: string,
  items: Record<string, [path: string, permission: NavigationItem['permission']]>
): NavigationSection {
  const entries = Object.entries(items).map(([itemKey, [path, permission]]) => ({
    key: itemKey,
    path,
    permission,
  }))
  return { key, path: entries[0].path, items: entries }
}

export const NAVIGATION: NavigationSection[] = [
  section('home', { overview: ['/', null] }),
  section('riders', {
    list: ['/riders', 'riders.view'],
    cards: ['/riders/cards', 'cards.view'],
    ledger: ['/riders/ledger', 'ledger.view'],
    coupons: ['/riders/coupons', 'coupons.manage'],
  }),
  section('orders', {
    list: ['/orders', 'orders.view'],
    abnormal: ['/orders/abnormal', 'orders.view'],
  }),
  section('finance', {
    payments: ['/finance/payments', 'finance.view'],
    refunds: ['/finance/refunds', 'finance.view'],
    refundRequests: ['/finance/refund-requests', 'finance.view'],
    reconciliation: ['/finance/reconciliation', 'finance.reconcile'],
    summary: ['/finance/summary', 'finance.view'],
    downloads: ['/finance/downloads', [...EXPORT_PERMISSIONS]],
  }),
  section('cards', { inventory: ['/cards', 'cards.view'] }),
  section('operations', {
    stations: ['/operations/stations', 'devices.view'],
    piles: ['/operations/piles', 'devices.view'],
    vendors: ['/operations/vendors', 'devices.manage'],
    repairs: ['/operations/repairs', 'repairs.manage'],
    owners: ['/operations/owners', 'owners.manage'],
  }),
  section('data', {
    charts: ['/data', 'data.view'],
    owners: ['/data/owners', 'owners.statement'],
  }),
  section('permissions', {
    staff: ['/permissions/staff', 'staff.manage'],
    roles: ['/permissions/roles', 'roles.manage'],
    sso: ['/permissions/sso', 'settings.manage'],
  }),
  section('settings', {
    projects: ['/settings/projects', 'settings.manage'],
    packages: ['/settings/packages', 'settings.manage'],
    plans: ['/settings/plans', 'settings.manage'],
    tariffs: ['/settings/tariffs', 'settings.manage'],
    payment: ['/settings/payment', 'settings.manage'],
    sms: ['/settings/sms', 'settings.manage'],
    riderSignIn: ['/settings/rider-sign-in', 'settings.manage'],
  }),
  section('logs', {
    operations: ['/logs/operations', 'audit.view'],
    logins: ['/logs/logins', 'audit.view'],
  }),
]

/** The menu as one staff member sees it: only pages they may open. */
export function navigationFor(can: (permission: Permission) => boolean) {
  return NAVIGATION.map((navSection) => {
    const items = navSection.items.filter(
      (item) => item.permission === null || [item.permission].flat().some(can)
    )
    return { ...navSection, path: items[0]?.path ?? navSection.path, items }
  }).filter((navSection) => navSection.items.length > 0)
}
