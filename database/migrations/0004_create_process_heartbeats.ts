import { BaseSchema } from '@adonisjs/lucid/schema'

/** Liveness of the worker and gateway processes, written by a queue job. */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('process_heartbeats', (table) => {
      table.string('role', 32).primary()
      table.string('host', 255).notNullable()
      table.integer('pid').notNullable()
      table.bigInteger('beats').notNullable().defaultTo(0)
      table.timestamp('beat_at', { useTz: true }).notNullable()
    })
  }

  async down() {
    this.schema.dropTable('process_heartbeats')
  }
}
