import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/** Checks every audit hash chain; exits 1 when a record was changed or removed. */
export default class AuditVerifyCommand extends BaseCommand {
  static commandName = 'audit:verify'
  static description = 'Verify the hash chains of the audit log (exit code 1 when broken)'
  static options: CommandOptions = { startApp: true }

  async run() {
    const { default: AuditVerifier } = await import('#core/audit/audit_verifier')
    const result = await new AuditVerifier().verifyAll()

    if (result.breaks.length === 0) {
      this.logger.log(`audit chain ok: ${result.records} records`)
      return
    }
    for (const broken of result.breaks) {
      const chain = broken.tenantId === null ? 'platform' : `tenant ${broken.tenantId}`
      this.logger.error(
        `audit chain broken: record ${broken.id} (${chain}, sequence ${broken.chainSeq}): ${broken.problem}`
      )
    }
    this.exitCode = 1
  }
}
