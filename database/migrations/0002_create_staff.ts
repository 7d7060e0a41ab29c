import { BaseSchema } from '@adonisjs/lucid/schema'

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('staff', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.string('account', 64).notNullable().unique()
      table.string('name', 64).notNullable()
      table.string('password', 255).notNullable()
      table.enum('status', ['active', 'disabled']).notNullable().defaultTo('active')
      table.boolean('must_change_password').notNullable().defaultTo(false)
      table.timestamp('last_login_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['tenant_id'])
    })

    this.schema.createTable('remember_me_tokens', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tokenable_id').notNullable().references('staff.id').onDelete('CASCADE')
      table.string('hash').notNullable().unique()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.timestamp('expires_at', { useTz: true }).notNullable()
    })
  }

  async down() {
    this.schema.dropTable('remember_me_tokens')
    this.schema.dropTable('staff')
  }
}
