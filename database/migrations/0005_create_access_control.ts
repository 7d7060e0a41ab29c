import { BaseSchema } from '@adonisjs/lucid/schema'

/** Roles (sets of permissions) per tenant, and which staff hold them and where. */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('roles', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.string('builtin_key', 32).nullable()
      table.string('name', 64).notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'name'])
      table.unique(['tenant_id', 'builtin_key'])
    })

    this.schema.createTable('role_permissions', (table) => {
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('role_id').notNullable().references('roles.id').onDelete('CASCADE')
      table.string('permission', 64).notNullable()
      table.primary(['role_id', 'permission'])
    })

    this.schema.createTable('staff_roles', (table) => {
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('staff_id').notNullable().references('staff.id').onDelete('CASCADE')
      table.bigInteger('role_id').notNullable().references('roles.id').onDelete('CASCADE')
      table.primary(['staff_id', 'role_id'])
    })

    // No rows for a staff member means every project of the tenant.
    this.schema.createTable('staff_projects', (table) => {
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('staff_id').notNullable().references('staff.id').onDelete('CASCADE')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('CASCADE')
      table.primary(['staff_id', 'project_id'])
    })
  }

  async down() {
    this.schema.dropTable('staff_projects')
    this.schema.dropTable('staff_roles')
    this.schema.dropTable('role_permissions')
    this.schema.dropTable('roles')
  }
}
