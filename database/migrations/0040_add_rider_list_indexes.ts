import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Indexes of the rider list (用户管理), which must stay fast with 100,000
 * riders per tenant: the default order (newest registration first, id as the
 * tie-break the query also uses), phone prefixes, and names by any part
 * (trigrams; pg_trgm is a trusted extension, so the schema owner may add it).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    this.schema.raw(
      'CREATE INDEX riders_tenant_registered_idx ON riders (tenant_id, registered_at DESC, id DESC)'
    )
    this.schema.raw(
      'CREATE INDEX riders_tenant_phone_prefix_idx ON riders (tenant_id, phone varchar_pattern_ops)'
    )
    this.schema.raw('CREATE INDEX riders_name_trgm_idx ON riders USING gin (name gin_trgm_ops)')
  }

  async down() {
    this.schema.raw('DROP INDEX riders_name_trgm_idx')
    this.schema.raw('DROP INDEX riders_tenant_phone_prefix_idx')
    this.schema.raw('DROP INDEX riders_tenant_registered_idx')
  }
}
