import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Phone prefix search under row-level security. LIKE is not leakproof, so
 * PostgreSQL may not use it as an index condition below the tenant policy
 * and the varchar_pattern_ops index of 0040 was never used: every prefix
 * search read all of a tenant's riders. The search is now a range on the
 * phone in "C" order (app/services/riders/phone_prefix.ts), whose text
 * comparisons are leakproof; this index serves it in any database collation.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.raw(
      'CREATE INDEX riders_tenant_phone_c_idx ON riders (tenant_id, phone COLLATE "C")'
    )
    this.schema.raw('DROP INDEX riders_tenant_phone_prefix_idx')
  }

  async down() {
    this.schema.raw(
      'CREATE INDEX riders_tenant_phone_prefix_idx ON riders (tenant_id, phone varchar_pattern_ops)'
    )
    this.schema.raw('DROP INDEX riders_tenant_phone_c_idx')
  }
}
