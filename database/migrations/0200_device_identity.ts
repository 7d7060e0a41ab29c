import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Device identity (issue 13): what a pile proves itself with before the
 * gateway lets a connection speak for it. Columns of `piles`, so they keep
 * its tenant_id and RLS wall.
 *
 * - secret_hash: the 设备密钥 (OCPP AuthorizationKey, JUY MQTT password),
 *   20 random bytes shown once as 40 lower-case hex, stored `sha256:<hex>`.
 *   A fast hash is right: the secret has 160 bits of entropy, nothing to
 *   brute-force, and the gateway checks it on every connection.
 * - previous_secret_hash / previous_secret_expires_at: after a rotation the
 *   old key stays valid until the new one is first used or the grace period
 *   ends (a charger told its new key by ChangeConfiguration reconnects with
 *   it; one that missed the push keeps working meanwhile).
 * - allow_unauthenticated: OCPP Security Profile 0 / JUY without password.
 *   Off for new piles; piles that exist when this runs get it on, because
 *   none of them has a key yet and every one connects without proof today:
 *   the upgrade must not cut real piles off. Staff set a key, then turn it off.
 * - bound_iccid: the SIM a DNY pile is bound to. Left empty for existing
 *   piles (the stored `iccid` is staff-editable, a typo would lock a pile
 *   out): the first contact after the upgrade binds it.
 * - identity_notice_*: the latest connection refused for another ICCID, for
 *   staff to review and accept as a module swap.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('piles', (table) => {
      table.string('secret_hash', 80).nullable()
      table.timestamp('secret_set_at', { useTz: true }).nullable()
      table.string('previous_secret_hash', 80).nullable()
      table.timestamp('previous_secret_expires_at', { useTz: true }).nullable()
      table.boolean('allow_unauthenticated').notNullable().defaultTo(false)
      table.string('bound_iccid', 32).nullable()
      table.string('identity_notice_iccid', 32).nullable()
      table.string('identity_notice_ip', 64).nullable()
      table.timestamp('identity_notice_at', { useTz: true }).nullable()
    })
    this.defer(async (db) => {
      await db.rawQuery('UPDATE piles SET allow_unauthenticated = true')
    })
    // The per-source cap on pending piles counts by address.
    this.schema.alterTable('pending_piles', (table) => {
      table.index(['last_seen_ip'])
    })
  }

  async down() {
    this.schema.alterTable('pending_piles', (table) => {
      table.dropIndex(['last_seen_ip'])
    })
    this.schema.alterTable('piles', (table) => {
      table.dropColumn('secret_hash')
      table.dropColumn('secret_set_at')
      table.dropColumn('previous_secret_hash')
      table.dropColumn('previous_secret_expires_at')
      table.dropColumn('allow_unauthenticated')
      table.dropColumn('bound_iccid')
      table.dropColumn('identity_notice_iccid')
      table.dropColumn('identity_notice_ip')
      table.dropColumn('identity_notice_at')
    })
  }
}
