import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('tenants', (table) => {
      table.bigIncrements('id')
      table.string('code', 64).notNullable().unique()
      table.string('name', 120).notNullable()
      table.enum('status', ['active', 'suspended']).notNullable().defaultTo('active')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })

    this.schema.createTable('projects', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.string('code', 64).notNullable()
      table.string('name', 120).notNullable()
      table.enum('status', ['active', 'archived']).notNullable().defaultTo('active')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'code'])
      table.unique(['tenant_id', 'name'])
    })
  }

  async down() {
    this.schema.dropTable('projects')
    this.schema.dropTable('tenants')
  }
}
