import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'

/**
 * Exports of the 下载中心: a list (kind) with the filters it was shown with,
 * written to a file (xlsx or pdf) by the `exports.run` job, stored through
 * drive under file_path until expires_at. project_scope keeps the projects
 * the requester was limited to (null: all), so the job reads exactly what
 * they could see, and only they (or unlimited staff) may download it.
 */
export default class extends BaseSchema {
  protected tableName = 'exports'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('requested_by').notNullable().references('staff.id').onDelete('RESTRICT')
      table.string('kind', 16).notNullable()
      table.string('format', 8).notNullable()
      table.jsonb('filters').notNullable()
      table.jsonb('project_scope').nullable()
      table.string('status', 16).notNullable().defaultTo('queued')
      table.integer('rows_done').notNullable().defaultTo(0)
      table.integer('rows_total').nullable()
      table.string('file_path', 255).nullable()
      table.bigInteger('file_size').nullable()
      table.text('error').nullable()
      table.timestamp('started_at', { useTz: true }).nullable()
      table.timestamp('finished_at', { useTz: true }).nullable()
      table.timestamp('expires_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.check(`kind IN ('ledger')`)
      table.check(`format IN ('xlsx', 'pdf')`)
      table.check(`status IN ('queued', 'running', 'done', 'failed')`)
      table.index(['tenant_id', 'created_at'])
    })
    this.defer((db) => enableTenantIsolation(db, this.tableName))
  }

  async down() {
    this.schema.dropTable(this.tableName)
  }
}
