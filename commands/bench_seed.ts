import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { errors as vineErrors } from '@vinejs/vine'
import { performance } from 'node:perf_hooks'

/**
 * `node ace bench:seed --riders N --entries M`: the data set of the http and
 * export benchmarks. A tenant with two projects, a finance staff member
 * (`<code>_finance`, password --password), N riders with wallets and M
 * ledger entries, generated inside PostgreSQL by INSERT ... SELECT
 * (generate_series) through the owner connection, in rider ranges so each
 * statement stays a few hundred thousand rows.
 *
 * The ledger holds as `ledger:verify` checks it: every wallet's entries run
 * in id order, their balances-after are running sums (a window function per
 * wallet), and the wallet balances are set to the last entry's. Entry k of
 * the data set belongs to rider ((k - 1) mod N) + 1 as its entry number
 * j = (k - 1) div N; ids and occurred_at (spread over the last 180 days)
 * both grow with k. Each wallet's cycle of ten: a top-up (counter first,
 * then QR) of ¥50 (¥100 first), seven charge settlements of ¥0.50 to ¥3.49,
 * a ¥5 bonus grant and a ¥1 refund, so balances never go below zero.
 *
 * A tenant already seeded with the same sizes is reused (exit 0); one with
 * other sizes is refused (exit 1): seed another --tenant-code.
 */
export default class BenchSeedCommand extends BaseCommand {
  static commandName = 'bench:seed'
  static description = 'Seed a benchmark tenant with N riders and M consistent ledger entries'
  static options: CommandOptions = { startApp: true }

  @flags.number({ description: 'Riders (each with a wallet)', default: 100_000 })
  declare riders: number

  @flags.number({ description: 'Ledger entries', default: 1_000_000 })
  declare entries: number

  @flags.string({ description: 'Code of the bench tenant', default: 'bench' })
  declare tenantCode: string

  @flags.string({ description: 'Name of the bench tenant', default: '压测运营商' })
  declare tenantName: string

  @flags.string({ description: 'Password of the finance staff member', default: 'bench-pass-1' })
  declare password: string

  async run() {
    const { default: vine } = await import('@vinejs/vine')
    let input
    try {
      input = await vine
        .create({
          riders: vine.number().withoutDecimals().min(1).max(10_000_000),
          entries: vine.number().withoutDecimals().min(0).max(100_000_000),
          tenantCode: vine
            .string()
            .regex(/^[a-z0-9_-]{1,40}$/)
            .maxLength(40),
          tenantName: vine.string().trim().minLength(1).maxLength(120),
          password: vine.string().minLength(8).maxLength(64),
        })
        .validate({
          riders: this.riders,
          entries: this.entries,
          tenantCode: this.tenantCode,
          tenantName: this.tenantName,
          password: this.password,
        })
    } catch (error) {
      if (!(error instanceof vineErrors.E_VALIDATION_ERROR)) throw error
      for (const { field, message } of error.messages as { field: string; message: string }[]) {
        this.logger.error(`--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${message}`)
      }
      this.exitCode = 1
      return
    }

    const { default: db } = await import('@adonisjs/lucid/services/db')
    const owner = db.connection('owner')
    const existing = await owner.from('tenants').where('code', input.tenantCode).first()
    if (existing) {
      const [{ riders }] = await owner
        .from('riders')
        .where('tenant_id', existing.id)
        .count('* as riders')
      const [{ entries }] = await owner
        .from('ledger_entries')
        .where('tenant_id', existing.id)
        .count('* as entries')
      if (Number(riders) === input.riders && Number(entries) === input.entries) {
        this.logger.info(
          `tenant ${input.tenantCode} already holds ${riders} riders and ${entries} entries: reused`
        )
        return
      }
      this.logger.error(
        `tenant ${input.tenantCode} already exists with ${riders} riders and ${entries} entries; ` +
          `seed another --tenant-code (or a fresh BENCH_DATABASE_NAME)`
      )
      this.exitCode = 1
      return
    }

    const started = performance.now()
    const { tenantId, projectIds, staffId } = await this.#tenant(input)
    const riders = await this.#riders(tenantId, input.riders)
    this.logger.info(`${input.riders} riders and wallets in ${seconds(riders)} s`)

    const ledgerStarted = performance.now()
    await this.#ledger({ tenantId, projectIds, staffId, ...input })
    const ledgerSeconds = (performance.now() - ledgerStarted) / 1000
    await owner.rawQuery('ANALYZE riders, wallets, ledger_entries')
    this.logger.success(
      `${input.entries} ledger entries in ${ledgerSeconds.toFixed(1)} s ` +
        `(${Math.round(input.entries / ledgerSeconds)} rows/s); ` +
        `total ${seconds(started)} s; staff ${input.tenantCode}_finance`
    )
  }

  async #tenant(input: { tenantCode: string; tenantName: string; password: string }) {
    const { default: db } = await import('@adonisjs/lucid/services/db')
    const { default: Staff } = await import('#models/staff')
    const { default: AccessControlService } = await import('#core/access/access_control_service')
    return db.connection('owner').transaction(async (trx) => {
      const now = new Date()
      const [tenant] = await trx
        .table('tenants')
        .insert({
          code: input.tenantCode,
          name: input.tenantName,
          status: 'active',
          created_at: now,
          updated_at: now,
        })
        .returning('id')
      const tenantId = Number(tenant.id)
      const projects = await trx
        .table('projects')
        .insert(
          [1, 2].map((n) => ({
            tenant_id: tenantId,
            code: `bench-${n}`,
            name: `压测项目${n}`,
            status: 'active',
            created_at: now,
            updated_at: now,
          }))
        )
        .returning('id')
      const staff = await Staff.create(
        {
          tenantId,
          account: `${input.tenantCode}_finance`,
          name: '压测财务',
          password: input.password,
          status: 'active',
          mustChangePassword: false,
        },
        { client: trx }
      )
      const access = new AccessControlService()
      const roles = await access.installBuiltinRoles(tenantId, trx)
      await access.grantRole(tenantId, staff.id, roles.get('finance')!.id, trx)
      return { tenantId, projectIds: projects.map((p) => Number(p.id)), staffId: staff.id }
    })
  }

  /** Riders 1..n of the data set, registered over the last 180 days, each with a wallet. */
  async #riders(tenantId: number, count: number) {
    const { default: db } = await import('@adonisjs/lucid/services/db')
    const started = performance.now()
    await db.connection('owner').transaction(async (trx) => {
      await trx.rawQuery(
        `INSERT INTO riders (tenant_id, name, phone, status, source, registered_at, created_at, updated_at)
         SELECT ?, '压测骑手' || k, '139' || lpad(k::text, 8, '0'),
                CASE WHEN k % 50 = 0 THEN 'frozen' ELSE 'normal' END,
                CASE WHEN k % 3 = 0 THEN 'online' ELSE 'offline' END,
                now() - interval '180 days' + (k::float8 / ?) * interval '180 days', now(), now()
           FROM generate_series(1, ?::int) k`,
        [tenantId, count, count]
      )
      await trx.rawQuery(
        `INSERT INTO wallets (tenant_id, rider_id)
         SELECT tenant_id, id FROM riders WHERE tenant_id = ? ORDER BY id`,
        [tenantId]
      )
    })
    return started
  }

  async #ledger(set: {
    tenantId: number
    projectIds: number[]
    staffId: number
    riders: number
    entries: number
  }) {
    const { default: db } = await import('@adonisjs/lucid/services/db')
    const owner = db.connection('owner')
    const first = await owner
      .from('riders')
      .where('tenant_id', set.tenantId)
      .min('id as id')
      .first()
    const firstRiderId = Number(first.id)
    const firstWallet = await owner.from('wallets').where('rider_id', firstRiderId).first()
    const firstWalletId = Number(firstWallet.id)
    // Entries address riders and wallets by offset: both id ranges must have no gaps.
    for (const table of ['riders', 'wallets']) {
      const span = await owner
        .from(table)
        .where('tenant_id', set.tenantId)
        .select(owner.raw('max(id) - min(id) + 1 as span'))
        .first()
      if (Number(span.span) !== set.riders) {
        throw new Error(
          `${table} ids of the bench tenant are not contiguous: seed on a quiet database`
        )
      }
    }
    // Ids are given, not drawn one by one: reserve the range the data set takes.
    const { rows } = await owner.rawQuery(
      `SELECT setval('ledger_entries_id_seq', GREATEST((SELECT coalesce(max(id), 0) FROM ledger_entries), 1) + ?) - ? AS base`,
      [set.entries, set.entries]
    )
    const base = Number(rows[0].base)
    const perChunk = Math.max(1, Math.floor((set.riders * 200_000) / Math.max(set.entries, 1)))

    for (let from = 1; from <= set.riders; from += perChunk) {
      const to = Math.min(set.riders, from + perChunk - 1)
      await owner.transaction(async (trx) => {
        await trx.rawQuery(
          `INSERT INTO ledger_entries (id, tenant_id, project_id, wallet_id, rider_id, entry_no,
             detail_type, real_in, bonus_in, real_out, bonus_out, real_after, bonus_after,
             operator_staff_id, idempotency_key, occurred_at, created_at)
           SELECT :base + k, :tenantId, CASE WHEN r % 2 = 1 THEN :projectA::bigint ELSE :projectB::bigint END,
                  :firstWallet + r - 1, :firstRider + r - 1,
                  to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(k::text, 10, '0'),
                  kind, real_in, bonus_in, real_out, 0,
                  sum(real_in - real_out) OVER w, sum(bonus_in) OVER w,
                  CASE WHEN kind = 'counter_topup' THEN :staffId::bigint END,
                  'bench:' || k, at, at
             FROM (
               SELECT k, r, j, at, kind,
                      CASE kind WHEN 'counter_topup' THEN (CASE WHEN j = 0 THEN 10000 ELSE 5000 END)
                                WHEN 'qr_topup' THEN 5000 ELSE 0 END AS real_in,
                      CASE kind WHEN 'bonus_grant' THEN 500 ELSE 0 END AS bonus_in,
                      CASE kind WHEN 'charge_settlement' THEN 50 + (r * 31 + j * 17) % 300
                                WHEN 'refund' THEN 100 ELSE 0 END AS real_out
                 FROM (
                   SELECT r + j * :riders AS k, r, j,
                          now() - interval '180 days'
                            + ((r + j * :riders)::float8 / :entries) * interval '180 days' AS at,
                          CASE WHEN j % 10 = 0 AND j % 20 = 0 THEN 'counter_topup'
                               WHEN j % 10 = 0 THEN 'qr_topup'
                               WHEN j % 10 = 5 THEN 'bonus_grant'
                               WHEN j % 10 = 9 THEN 'refund'
                               ELSE 'charge_settlement' END AS kind
                     FROM generate_series(:from::int, :to::int) r,
                          generate_series(0, floor((:entries - r)::numeric / :riders)::int) j
                 ) numbered
             ) entries
           WINDOW w AS (PARTITION BY r ORDER BY j)
           ORDER BY k`,
          {
            base,
            tenantId: set.tenantId,
            projectA: set.projectIds[0],
            projectB: set.projectIds[1],
            firstWallet: firstWalletId,
            firstRider: firstRiderId,
            staffId: set.staffId,
            riders: set.riders,
            entries: set.entries,
            from,
            to,
          }
        )
      })
      this.logger.info(`riders ${from}..${to}: ledger written`)
    }

    await owner.rawQuery(
      `UPDATE wallets w SET real_balance = e.real_after, bonus_balance = e.bonus_after, updated_at = now()
         FROM (SELECT DISTINCT ON (wallet_id) wallet_id, real_after, bonus_after
                 FROM ledger_entries WHERE tenant_id = ? ORDER BY wallet_id, id DESC) e
        WHERE w.id = e.wallet_id`,
      [set.tenantId]
    )
  }
}

function seconds(since: number) {
  return ((performance.now() - since) / 1000).toFixed(1)
}
