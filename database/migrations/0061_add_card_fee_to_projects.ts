import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The card fee (工本费) of a project's 开卡, in fen: 0.01 元 as in the
 * manual by default; 0 binds the card at once, without a payment.
 */
export default class extends BaseSchema {
  protected tableName = 'projects'

  async up() {
    this.schema.alterTable(this.tableName, (table) => {
      table.bigInteger('card_fee').notNullable().defaultTo(1)
      table.check('card_fee >= 0', [], 'projects_card_fee_check')
    })
  }

  async down() {
    this.schema.alterTable(this.tableName, (table) => {
      table.dropChecks(['projects_card_fee_check'])
      table.dropColumns('card_fee')
    })
  }
}
