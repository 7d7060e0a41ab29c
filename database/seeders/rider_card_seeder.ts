import { BaseSeeder } from '@adonisjs/lucid/seeders'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Project from '#models/project'
import Tenant from '#models/tenant'
import { DEMO_TENANTS } from '#database/demo_logins'

/**
 * Demo riders (with empty wallets) and IC cards: each demo project gets a
 * stock of cards, and the first riders of each tenant a bound card, so
 * 用卡管理, 开卡 and 换卡 have something to show. Safe to run again: riders
 * are matched by phone, cards by number, and a rider with a card gets no
 * second one. Runs after main_seeder (seeders run in name order).
 */
const DEMO_RIDERS = ['张伟', '王芳', '李娜', '刘洋', '陈静']
const STOCK_PER_PROJECT = 20
const BOUND_RIDERS = 3

export default class RiderCardSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  async run() {
    await this.client.transaction(async (trx) => {
      for (const [tenantIndex, demo] of DEMO_TENANTS.entries()) {
        const tenant = await Tenant.findByOrFail('code', demo.code, { client: trx })
        const riderIds = await this.#riders(trx, tenant.id, tenantIndex)
        const projects = await Project.query({ client: trx })
          .where('tenant_id', tenant.id)
          .orderBy('id')
        for (const [projectIndex, project] of projects.entries()) {
          // 8 hex digits, unique per tenant: D, tenant, project, then a counter.
          const cardNos = Array.from(
            { length: STOCK_PER_PROJECT },
            (_, index) =>
              `D${tenantIndex + 1}${projectIndex + 1}${(index + 1).toString(16).toUpperCase().padStart(5, '0')}`
          )
          const now = new Date()
          await trx
            .insertQuery()
            .table('cards')
            .multiInsert(
              cardNos.map((cardNo) => ({
                tenant_id: tenant.id,
                project_id: project.id,
                card_no: cardNo,
                status: 'in_stock',
                created_at: now,
                updated_at: now,
              }))
            )
            .knexQuery.onConflict(['tenant_id', 'card_no'])
            .ignore()
        }
        if (projects.length) await this.#bind(trx, tenant.id, projects[0].id, riderIds)
      }
    })
  }

  async #riders(trx: TransactionClientContract, tenantId: number, tenantIndex: number) {
    const ids: number[] = []
    for (const [index, name] of DEMO_RIDERS.entries()) {
      const phone = `1380${tenantIndex + 1}00000${index + 1}`
      const now = new Date()
      await trx
        .insertQuery()
        .table('riders')
        .insert({
          tenant_id: tenantId,
          name,
          phone,
          status: 'normal',
          source: 'offline',
          registered_at: now,
          created_at: now,
          updated_at: now,
        })
        .knexQuery.onConflict(['tenant_id', 'phone'])
        .ignore()
      const rider = await trx.from('riders').where({ tenant_id: tenantId, phone }).firstOrFail()
      await trx
        .insertQuery()
        .table('wallets')
        .insert({ tenant_id: tenantId, rider_id: rider.id })
        .knexQuery.onConflict(['rider_id'])
        .ignore()
      ids.push(Number(rider.id))
    }
    return ids
  }

  /** The first riders each get the project's first free card, unless they hold one already. */
  async #bind(
    trx: TransactionClientContract,
    tenantId: number,
    projectId: number,
    riderIds: number[]
  ) {
    for (const riderId of riderIds.slice(0, BOUND_RIDERS)) {
      const held = await trx.from('cards').where({ tenant_id: tenantId, rider_id: riderId }).first()
      if (held) continue
      const card = await trx
        .from('cards')
        .where({ tenant_id: tenantId, project_id: projectId, status: 'in_stock' })
        .orderBy('card_no')
        .first()
      if (!card) return
      await trx.from('cards').where('id', card.id).update({
        status: 'bound',
        rider_id: riderId,
        bound_at: new Date(),
        updated_at: new Date(),
      })
    }
  }
}
