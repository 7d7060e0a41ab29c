import db from '@adonisjs/lucid/services/db'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'

export interface LedgerVerifyResult {
  wallets: number
  entries: number
  /** The first violation found, or null when the ledger holds. */
  violation: string | null
}

const PAGE = 1000

interface Running {
  real: number
  bonus: number
  entries: number
}

/**
 * Checks the whole ledger through the owner connection (every tenant at
 * once), walking wallets and their entries in keyset pages so memory stays
 * flat: each entry's balances-after follow from the one before it, each
 * wallet's stored balances equal the sums of its entries, no idempotency
 * key posted twice, and no balance below its project's overdraft limit
 * (as the project sets it now) or a bonus balance below zero. Wallet holds
 * too: open only on orders still open or awaiting settlement, never more
 * than the wallet has (real and bonus apart), and no settled order billed
 * above its hold.
 */
export default class LedgerVerifier {
  constructor(protected client: QueryClientContract = db.connection('owner')) {}

  async verify(): Promise<LedgerVerifyResult> {
    const result: LedgerVerifyResult = { wallets: 0, entries: 0, violation: null }
    const duplicate = await this.#duplicateKey()
    if (duplicate) return { ...result, violation: duplicate }
    const hold = await this.#holdViolation()
    if (hold) return { ...result, violation: hold }

    let afterWallet = 0
    while (true) {
      const wallets = await this.client
        .from('wallets')
        .where('id', '>', afterWallet)
        .orderBy('id')
        .limit(PAGE)
        .select('id', 'tenant_id', 'real_balance', 'bonus_balance')
      if (wallets.length === 0) return result
      const first = wallets[0].id
      const last = wallets[wallets.length - 1].id
      const sums = new Map<number, Running>()

      for await (const entry of this.#entries(first, last)) {
        const running = sums.get(entry.wallet_id) ?? { real: 0, bonus: 0, entries: 0 }
        running.real += entry.real_in - entry.real_out
        running.bonus += entry.bonus_in - entry.bonus_out
        running.entries += 1
        sums.set(entry.wallet_id, running)
        result.entries += 1
        const problem = this.#checkEntry(entry, running)
        if (problem) return { ...result, violation: problem }
      }

      for (const wallet of wallets) {
        result.wallets += 1
        const sum = sums.get(wallet.id) ?? { real: 0, bonus: 0, entries: 0 }
        if (wallet.real_balance !== sum.real || wallet.bonus_balance !== sum.bonus) {
          return {
            ...result,
            violation:
              `wallet ${wallet.id} (tenant ${wallet.tenant_id}): stored balances real ` +
              `${wallet.real_balance} / bonus ${wallet.bonus_balance} fen, but its ` +
              `${sum.entries} entries sum to real ${sum.real} / bonus ${sum.bonus} fen`,
          }
        }
      }
      if (wallets.length < PAGE) return result
      afterWallet = last
    }
  }

  #checkEntry(entry: Record<string, any>, running: Running): string | null {
    const where = `entry ${entry.id} of wallet ${entry.wallet_id} (tenant ${entry.tenant_id})`
    if (entry.real_after !== running.real || entry.bonus_after !== running.bonus) {
      return (
        `${where}: balances after real ${entry.real_after} / bonus ${entry.bonus_after} fen, ` +
        `but the entries up to it sum to real ${running.real} / bonus ${running.bonus} fen`
      )
    }
    if (running.bonus < 0) return `${where}: bonus balance ${running.bonus} fen is below zero`
    if (entry.real_out > 0 && running.real < -entry.overdraft_limit) {
      return (
        `${where}: real balance ${running.real} fen is below the overdraft limit ` +
        `of project ${entry.project_id} (-${entry.overdraft_limit} fen)`
      )
    }
    return null
  }

  /** Entries of wallets first..last in posting order, a page at a time. */
  async *#entries(first: number, last: number): AsyncGenerator<Record<string, any>> {
    let after = { walletId: first, id: 0 }
    while (true) {
      const rows = await this.client
        .from('ledger_entries as e')
        .join('projects as p', 'p.id', 'e.project_id')
        .whereRaw('(e.wallet_id, e.id) > (?, ?)', [after.walletId, after.id])
        .where('e.wallet_id', '<=', last)
        .orderBy([
          { column: 'e.wallet_id', order: 'asc' },
          { column: 'e.id', order: 'asc' },
        ])
        .limit(PAGE)
        .select(
          'e.id',
          'e.tenant_id',
          'e.wallet_id',
          'e.project_id',
          'e.real_in',
          'e.bonus_in',
          'e.real_out',
          'e.bonus_out',
          'e.real_after',
          'e.bonus_after',
          'p.overdraft_limit'
        )
      yield* rows
      if (rows.length < PAGE) return
      const tail = rows[rows.length - 1]
      after = { walletId: tail.wallet_id, id: tail.id }
    }
  }

  async #holdViolation(): Promise<string | null> {
    const stale = await this.client
      .from('wallet_holds as h')
      .join('charging_orders as o', 'o.id', 'h.order_id')
      .where('h.status', 'open')
      .whereNotIn('o.status', ['authorised', 'charging', 'ended'])
      .select('h.id', 'h.tenant_id', 'o.order_no', 'o.status')
      .first()
    if (stale) {
      return `hold ${stale.id} (tenant ${stale.tenant_id}) is open on order ${stale.order_no}, which is ${stale.status}`
    }
    const over = await this.client
      .from('wallet_holds as h')
      .join('wallets as w', 'w.id', 'h.wallet_id')
      .join('projects as p', 'p.id', 'h.project_id')
      .where('h.status', 'open')
      .groupBy('w.id', 'w.tenant_id', 'w.real_balance', 'w.bonus_balance')
      .havingRaw('SUM(h.bonus_fen) > w.bonus_balance')
      .orHavingRaw(
        'SUM(h.real_fen) > 0 AND w.real_balance - SUM(h.real_fen) < -MAX(p.overdraft_limit)'
      )
      .select('w.id', 'w.tenant_id', 'w.real_balance', 'w.bonus_balance')
      .select(this.client.raw('SUM(h.real_fen)::bigint AS held_real'))
      .select(this.client.raw('SUM(h.bonus_fen)::bigint AS held_bonus'))
      .first()
    if (over) {
      return (
        `wallet ${over.id} (tenant ${over.tenant_id}): open holds real ${over.held_real} / ` +
        `bonus ${over.held_bonus} fen exceed its balances real ${over.real_balance} / ` +
        `bonus ${over.bonus_balance} fen`
      )
    }
    const overbilled = await this.client
      .from('wallet_holds as h')
      .join('charging_orders as o', 'o.id', 'h.order_id')
      .where((query) =>
        query
          .where((settled) =>
            settled
              .whereIn('o.status', ['settled', 'refunded'])
              .whereRaw('o.amount_fen > h.real_fen + h.bonus_fen')
          )
          .orWhereRaw('h.settled_fen > h.real_fen + h.bonus_fen')
      )
      .select('h.id', 'h.tenant_id', 'h.real_fen', 'h.bonus_fen', 'o.order_no')
      .select(this.client.raw('GREATEST(o.amount_fen, COALESCE(h.settled_fen, 0)) AS billed'))
      .first()
    if (overbilled) {
      return (
        `order ${overbilled.order_no} (tenant ${overbilled.tenant_id}) billed ` +
        `${overbilled.billed} fen, above its hold ${overbilled.id} of ` +
        `${overbilled.real_fen + overbilled.bonus_fen} fen`
      )
    }
    return null
  }

  async #duplicateKey(): Promise<string | null> {
    const duplicate = await this.client
      .from('ledger_entries')
      .groupBy('tenant_id', 'idempotency_key')
      .havingRaw('count(*) > 1')
      .select('tenant_id', 'idempotency_key')
      .count('* as posted')
      .first()
    return duplicate
      ? `idempotency key ${duplicate.idempotency_key} (tenant ${duplicate.tenant_id}) posted ${duplicate.posted} times`
      : null
  }
}
