import { spawn } from 'node:child_process'
import { access, readdir } from 'node:fs/promises'
import { BaseCommand, args } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import vine, { errors } from '@vinejs/vine'

const idValidator = vine.create({ id: vine.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/) })

/**
 * `npm run test:plugin -- <id>`: one plugin's own tests, its kind's contract
 * suite included (each plugin's tests/contract.spec.ts calls it).
 */
export default class TestPluginCommand extends BaseCommand {
  static commandName = 'test:plugin'
  static description = "Run one plugin's tests and its contract suite"
  static options: CommandOptions = {}

  @args.string({ description: 'Plugin id (folder under plugins/), e.g. vendor-dny' })
  declare id: string

  async run() {
    let id: string
    try {
      ;({ id } = await idValidator.validate({ id: this.id }))
    } catch (error) {
      if (!(error instanceof errors.E_VALIDATION_ERROR)) throw error
      this.logger.error(`not a plugin id: ${this.id}`)
      this.exitCode = 1
      return
    }
    const folder = this.app.makePath('plugins', id, 'tests')
    if (
      !(await access(folder).then(
        () => true,
        () => false
      ))
    ) {
      this.logger.error(`plugins/${id}/tests does not exist`)
      this.exitCode = 1
      return
    }
    const files = await readdir(folder, { recursive: true })
    const specs = files
      .filter((file) => file.endsWith('.spec.ts'))
      .flatMap((file) => ['--files', `plugins/${id}/tests/${file}`])
    const child = spawn(process.execPath, ['ace.js', 'test', 'unit', ...specs], {
      cwd: this.app.makePath(),
      stdio: 'inherit',
    })
    this.exitCode = await new Promise<number>((resolve) =>
      child.on('exit', (code) => resolve(code ?? 1))
    )
  }
}
