import { BaseSchema } from '@adonisjs/lucid/schema'

const KINDS = [
  'ledger',
  'orders',
  'payments',
  'refunds',
  'monthly',
  'riders',
  'cards',
  'cardStock',
  'abnormalOrders',
  'refundRequests',
  'reconciliation',
  'operationLogs',
  'loginLogs',
  'stations',
  'piles',
  'staff',
  // 业主对账单 (0320): this check replaces the whole list, so it names that kind too.
  'owner_statement',
]

// The export permissions each built-in role gains (app/core/access/permissions.ts).
const BUILTIN_GRANTS: Record<string, string[]> = {
  super_admin: [
    'riders.export',
    'cards.export',
    'orders.export',
    'operations.export',
    'logs.export',
    'permissions.export',
  ],
  operator: ['riders.export', 'cards.export', 'orders.export'],
  finance: ['orders.export'],
  maintenance: ['operations.export', 'orders.export'],
  support: ['riders.export', 'cards.export', 'orders.export'],
}

/**
 * Every list is exportable, each with its own export permission (issue 18).
 * Existing tenants' built-in roles gain the new permissions as new tenants'
 * do. A custom role that held finance.export gains orders.export, since
 * 订单 was exported with finance.export until now; custom roles gain no
 * other export permission: copying a whole list out is granted by the
 * tenant's own administrator, not by this upgrade.
 */
export default class extends BaseSchema {
  async up() {
    this.defer(async (db) => {
      await db.rawQuery(`ALTER TABLE exports DROP CONSTRAINT IF EXISTS exports_kind_check`)
      // DDL takes no bind parameters: the kinds are this file's own constants.
      await db.rawQuery(
        `ALTER TABLE exports ADD CONSTRAINT exports_kind_check
           CHECK (kind IN (${KINDS.map((kind) => `'${kind}'`).join(', ')}))`
      )
      for (const [role, permissions] of Object.entries(BUILTIN_GRANTS)) {
        await db.rawQuery(
          `INSERT INTO role_permissions (tenant_id, role_id, permission)
           SELECT roles.tenant_id, roles.id, granted.permission
             FROM roles CROSS JOIN unnest(?::text[]) AS granted(permission)
            WHERE roles.builtin_key = ?
           ON CONFLICT (role_id, permission) DO NOTHING`,
          [`{${permissions.join(',')}}`, role]
        )
      }
      await db.rawQuery(
        `INSERT INTO role_permissions (tenant_id, role_id, permission)
         SELECT held.tenant_id, held.role_id, 'orders.export' FROM role_permissions held
          WHERE held.permission = 'finance.export'
         ON CONFLICT (role_id, permission) DO NOTHING`
      )
    })
  }

  async down() {
    this.defer(async (db) => {
      await db.rawQuery(
        `DELETE FROM role_permissions WHERE permission IN (?, ?, ?, ?, ?, ?)`,
        BUILTIN_GRANTS.super_admin
      )
      await db.rawQuery(`DELETE FROM exports WHERE kind NOT IN (?, ?, ?, ?, ?)`, KINDS.slice(0, 5))
      await db.rawQuery(`ALTER TABLE exports DROP CONSTRAINT IF EXISTS exports_kind_check`)
      await db.rawQuery(
        `ALTER TABLE exports ADD CONSTRAINT exports_kind_check
           CHECK (kind IN ('ledger', 'orders', 'payments', 'refunds', 'monthly'))`
      )
    })
  }
}
