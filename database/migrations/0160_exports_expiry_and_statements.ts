import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Exports past their keeping time have their file deleted by the
 * `exports.expire` job and become `expired` (file_path cleared). Monthly
 * statements are made by the system: no requester (requested_by NULL),
 * `scheduled` true, and a schedule_key (kind, month, project, format)
 * unique per tenant, so a job that runs twice makes one statement.
 */
export default class extends BaseSchema {
  protected tableName = 'exports'

  async up() {
    this.schema.alterTable(this.tableName, (table) => {
      table.bigInteger('requested_by').nullable().alter()
      table.boolean('scheduled').notNullable().defaultTo(false)
      table.string('schedule_key', 64).nullable()
      table.unique(['tenant_id', 'schedule_key'])
    })
    this.defer(async (db) => {
      await db.rawQuery(`ALTER TABLE exports DROP CONSTRAINT IF EXISTS exports_status_check`)
      await db.rawQuery(
        `ALTER TABLE exports ADD CONSTRAINT exports_status_check
           CHECK (status IN ('queued', 'running', 'done', 'failed', 'expired'))`
      )
      // Someone asked for it, or the system did under a key.
      await db.rawQuery(
        `ALTER TABLE exports ADD CONSTRAINT exports_requester_check
           CHECK ((requested_by IS NOT NULL) OR (scheduled AND schedule_key IS NOT NULL))`
      )
    })
  }

  async down() {
    this.defer(async (db) => {
      await db.rawQuery(`ALTER TABLE exports DROP CONSTRAINT IF EXISTS exports_requester_check`)
      await db.rawQuery(`ALTER TABLE exports DROP CONSTRAINT IF EXISTS exports_status_check`)
      // The older schema knows neither expired files nor system statements.
      await db.rawQuery(`UPDATE exports SET status = 'failed' WHERE status = 'expired'`)
      await db.rawQuery(`DELETE FROM exports WHERE requested_by IS NULL`)
      await db.rawQuery(
        `ALTER TABLE exports ADD CONSTRAINT exports_status_check
           CHECK (status IN ('queued', 'running', 'done', 'failed'))`
      )
    })
    this.schema.alterTable(this.tableName, (table) => {
      table.bigInteger('requested_by').notNullable().alter()
      table.dropUnique(['tenant_id', 'schedule_key'])
      table.dropColumn('schedule_key')
      table.dropColumn('scheduled')
    })
  }
}
