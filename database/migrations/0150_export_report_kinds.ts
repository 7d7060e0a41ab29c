import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Every report of issue 7 is exportable (app/services/finance/exports/report_kinds.ts):
 * the check on exports.kind, written unnamed by 0125, is replaced by one
 * listing all kinds.
 */
export default class extends BaseSchema {
  protected tableName = 'exports'

  async up() {
    this.defer(async (db) => {
      await db.rawQuery(`ALTER TABLE exports DROP CONSTRAINT IF EXISTS exports_kind_check`)
      await db.rawQuery(
        `ALTER TABLE exports ADD CONSTRAINT exports_kind_check
           CHECK (kind IN ('ledger', 'orders', 'payments', 'refunds', 'monthly'))`
      )
    })
  }

  async down() {
    this.defer(async (db) => {
      await db.rawQuery(`ALTER TABLE exports DROP CONSTRAINT IF EXISTS exports_kind_check`)
      await db.rawQuery(
        `ALTER TABLE exports ADD CONSTRAINT exports_kind_check CHECK (kind IN ('ledger')) NOT VALID`
      )
    })
  }
}
