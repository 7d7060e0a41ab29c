import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/** Checks every wallet against its ledger; exits 1 at the first violation. */
export default class LedgerVerifyCommand extends BaseCommand {
  static commandName = 'ledger:verify'
  static description =
    'Verify wallet balances against the account ledger (exit code 1 on a violation)'
  static options: CommandOptions = { startApp: true }

  async run() {
    // Imported here so ace can list commands before Lucid boots.
    const { default: LedgerVerifier } = await import('#core/wallet/ledger_verifier')
    const result = await new LedgerVerifier().verify()
    if (result.violation === null) {
      this.logger.log(`ledger ok: ${result.wallets} wallets, ${result.entries} entries`)
      return
    }
    this.logger.error(`ledger violation: ${result.violation}`)
    this.exitCode = 1
  }
}
