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
 * (as the project sets it now) or a bonus balance below zero.
 */
export default class LedgerVerifier {
  constructor(protected client: QueryClientContract = db.connection('owner')) {}

  async verify(): Promise<LedgerVerifyResult> {
    const result: LedgerVerifyResult = { wallets: 0, entries: 0, violation: null }
    const duplicate = await this.#duplicateKey()
    if (duplicate) return { ...result, violation: duplicate }

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
