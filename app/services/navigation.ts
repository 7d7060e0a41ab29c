/*
| The admin's menus, as in the old system: ten top sections, each with its
| side menu. Labels are i18n keys (nav.<section>, menu.<section>.<item>).
| Pages that later work fills in are served by a "not yet available" page.
*/
// Type aliases, not interfaces: Inertia props must be plain JSON types.
export type NavigationItem = {
  key: string
  path: string
}

export type NavigationSection = {
  key: string
  path: string
  items: NavigationItem[]
}

function section(key: string, path: string, items: Record<string, string>): NavigationSection {
  return {
    key,
    path,
    items: Object.entries(items).map(([itemKey, itemPath]) => ({ key: itemKey, path: itemPath })),
  }
}

export const NAVIGATION: NavigationSection[] = [
  section('home', '/', { overview: '/' }),
  section('riders', '/riders', {
    list: '/riders',
    cards: '/riders/cards',
    ledger: '/riders/ledger',
  }),
  section('orders', '/orders', { list: '/orders', abnormal: '/orders/abnormal' }),
  section('finance', '/finance/payments', {
    payments: '/finance/payments',
    refunds: '/finance/refunds',
    reconciliation: '/finance/reconciliation',
    summary: '/finance/summary',
    downloads: '/finance/downloads',
  }),
  section('cards', '/cards', { inventory: '/cards' }),
  section('operations', '/operations/stations', {
    stations: '/operations/stations',
    piles: '/operations/piles',
    vendors: '/operations/vendors',
  }),
  section('data', '/data', { charts: '/data' }),
  section('permissions', '/permissions/staff', {
    staff: '/permissions/staff',
    roles: '/permissions/roles',
  }),
  section('settings', '/settings/projects', {
    projects: '/settings/projects',
    packages: '/settings/packages',
    tariffs: '/settings/tariffs',
    payment: '/settings/payment',
  }),
  section('logs', '/logs/operations', { operations: '/logs/operations', logins: '/logs/logins' }),
]

/** Pages named in the menu that no feature serves yet. */
export function unbuiltPages(builtPaths: Set<string>) {
  return NAVIGATION.flatMap((navSection) =>
    navSection.items
      .filter((item) => !builtPaths.has(item.path))
      .map((item) => ({ section: navSection.key, item: item.key, path: item.path }))
  )
}
