import type { Permission } from '#core/access/permissions'

/*
| Every exportable list and the permission that exports it: data only, so
| the routes file and the pages' 导出 button read the same list as the
| registry (report_kinds.ts) without loading the reports.
*/
export const REPORT_PERMISSIONS = {
  ledger: 'finance.export',
  payments: 'finance.export',
  refunds: 'finance.export',
  monthly: 'finance.export',
  refundRequests: 'finance.export',
  reconciliation: 'finance.export',
  orders: 'orders.export',
  abnormalOrders: 'orders.export',
  riders: 'riders.export',
  cards: 'cards.export',
  cardStock: 'cards.export',
  stations: 'operations.export',
  piles: 'operations.export',
  operationLogs: 'logs.export',
  loginLogs: 'logs.export',
  staff: 'permissions.export',
  owner_statement: 'owners.export',
} as const satisfies Record<string, Permission>

export type ReportKind = keyof typeof REPORT_PERMISSIONS

export const REPORT_KINDS = Object.keys(REPORT_PERMISSIONS) as ReportKind[]
