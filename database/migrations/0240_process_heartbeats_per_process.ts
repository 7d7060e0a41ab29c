import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * One heartbeat row per process (role, host, pid) instead of per role: two
 * workers or two gateways no longer overwrite each other, and the home page
 * lists each. `every_seconds` is the process's own beat period, so a row is
 * stale when it missed a few of its beats, whatever the period.
 */
export default class extends BaseSchema {
  protected tableName = 'process_heartbeats'

  async up() {
    this.schema.alterTable(this.tableName, (table) => {
      table.dropPrimary()
      table.integer('every_seconds').notNullable().defaultTo(60)
      table.primary(['role', 'host', 'pid'])
    })
  }

  async down() {
    // Back to one row per role: the latest beat of each role stays.
    this.defer(async (db) => {
      await db.rawQuery(
        `DELETE FROM process_heartbeats AS old
          USING process_heartbeats AS newer
          WHERE old.role = newer.role
            AND (old.beat_at, old.host, old.pid) < (newer.beat_at, newer.host, newer.pid)`
      )
    })
    this.schema.alterTable(this.tableName, (table) => {
      table.dropPrimary()
      table.dropColumn('every_seconds')
      table.primary(['role'])
    })
  }
}
