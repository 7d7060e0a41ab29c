import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * A project's wallet rules: which balance a charge takes first, how far
 * below zero the real balance may go (0: not at all), and the largest
 * single top-up, all in fen.
 */
export default class extends BaseSchema {
  protected tableName = 'projects'

  async up() {
    this.schema.alterTable(this.tableName, (table) => {
      table
        .enum('deduction_order', ['bonus_first', 'real_first'])
        .notNullable()
        .defaultTo('bonus_first')
      table.bigInteger('overdraft_limit').notNullable().defaultTo(0)
      table.bigInteger('topup_max').notNullable().defaultTo(500000)
      table.check('overdraft_limit >= 0', [], 'projects_overdraft_limit_check')
      table.check('topup_max > 0', [], 'projects_topup_max_check')
    })
  }

  async down() {
    this.schema.alterTable(this.tableName, (table) => {
      table.dropChecks(['projects_overdraft_limit_check', 'projects_topup_max_check'])
      table.dropColumns('deduction_order', 'overdraft_limit', 'topup_max')
    })
  }
}
