import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { errors as vineErrors } from '@vinejs/vine'

/**
 * `node ace platform:admin <account> --name <name> --password <password>`:
 * creates a platform admin, or resets the name and password of an existing
 * one (and re-enables it). Bad input writes nothing and exits with 1.
 */
export default class PlatformAdminCommand extends BaseCommand {
  static commandName = 'platform:admin'
  static description = 'Create a platform console admin, or reset its name and password'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Login account of the platform admin' })
  declare account: string

  @flags.string({ description: 'Display name', required: true })
  declare name: string

  @flags.string({ description: 'Password (at least 8 characters)', required: true })
  declare password: string

  async run() {
    // Imported here, not at the top: ace reads every command file before the app
    // boots, and the validator's database rules exist only once Lucid has booted.
    const { platformAdminValidator } = await import('#validators/platform_validator')
    const { default: PlatformAdminService } =
      await import('#services/platform/platform_admin_service')
    const { default: i18nManager } = await import('@adonisjs/i18n/services/main')
    const i18n = i18nManager.locale(i18nManager.defaultLocale)
    let input
    try {
      input = await platformAdminValidator.validate(
        { account: this.account, name: this.name, password: this.password },
        { messagesProvider: i18n.createMessagesProvider() }
      )
    } catch (error) {
      if (!(error instanceof vineErrors.E_VALIDATION_ERROR)) throw error
      for (const { message } of error.messages as { message: string }[]) {
        this.logger.error(message)
      }
      this.exitCode = 1
      return
    }

    const { admin, created } = await new PlatformAdminService().createOrReset(input)
    this.logger.success(
      i18n.t(created ? 'platform.adminCreated' : 'platform.adminReset', { account: admin.account })
    )
  }
}
