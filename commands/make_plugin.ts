import { execFile } from 'node:child_process'
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import vine, { errors } from '@vinejs/vine'

const inputValidator = vine.create({
  kind: vine.enum(['vendor', 'payment', 'sms', 'notify'] as const),
  name: vine
    .string()
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/)
    .maxLength(40),
  port: vine.number().withoutDecimals().range([1024, 65535]),
})

/**
 * `node ace make:plugin vendor|payment|sms|notify <name>`: a new plugin folder
 * under plugins/ that imports only the kit (#sdk/*), with tests wired to
 * its kind's contract suite. It runs and passes the contract as generated
 * (a vendor speaks an example JSON-lines protocol and brings a simulator; a
 * payment, SMS or notify plugin speaks an example HTTP API and brings a local
 * stand-in for it), so a manufacturer or provider starts from green and
 * replaces the example with theirs; no core file changes.
 */
export default class MakePluginCommand extends BaseCommand {
  static commandName = 'make:plugin'
  static description =
    'Scaffold a plugin folder (vendor, payment, sms or notify) with its contract tests'
  static options: CommandOptions = {}

  @args.string({ description: 'Plugin kind: vendor, payment, sms or notify' })
  declare kind: string

  @args.string({ description: 'Name, e.g. acme: the plugin id becomes <kind>-acme' })
  declare name: string

  @flags.number({
    description: 'Vendor plugins: default TCP port of the example protocol',
    default: 7100,
  })
  declare port: number

  @flags.string({ description: 'Folder to create the plugin in (default: plugins/)' })
  declare directory?: string

  async run() {
    let input
    try {
      input = await inputValidator.validate({ kind: this.kind, name: this.name, port: this.port })
    } catch (error) {
      if (!(error instanceof errors.E_VALIDATION_ERROR)) throw error
      for (const message of error.messages)
        this.logger.error(`${message.field}: ${message.message}`)
      this.exitCode = 1
      return
    }
    const name = input.name.replace(new RegExp(`^${input.kind}-`), '')
    const id = `${input.kind}-${name}`
    const target = join(this.directory ?? this.app.makePath('plugins'), id)
    if (
      await access(target).then(
        () => true,
        () => false
      )
    ) {
      this.logger.error(`${relative(process.cwd(), target)} already exists`)
      this.exitCode = 1
      return
    }
    const values: Record<string, string> = {
      id,
      name,
      className: name.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase()),
      port: String(input.port),
    }
    const stubs = this.app.makePath('stubs', `${input.kind}_plugin`)
    for (const file of await readdir(stubs, { recursive: true, withFileTypes: true })) {
      if (!file.isFile() || !file.name.endsWith('.stub')) continue
      const source = join(file.parentPath, file.name)
      const destination = join(target, relative(stubs, source).replace(/\.stub$/, ''))
      const stub = await readFile(source, 'utf8')
      const text = stub.replace(/\{\{(\w+)\}\}/g, (_, key) => values[key])
      await mkdir(join(destination, '..'), { recursive: true })
      await writeFile(destination, text)
      this.logger.action(`create ${relative(process.cwd(), destination)}`).succeeded()
    }
    // Formatted like the rest of the repository, so `npm run lint` stays green.
    const prettier = this.app.makePath('node_modules/.bin/prettier')
    await promisify(execFile)(prettier, ['--write', target]).catch(() => {})
    this.logger.info(`next: npm run test:plugin -- ${id}`)
  }
}
