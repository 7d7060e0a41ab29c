import { test } from '@japa/runner'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import vine from '@vinejs/vine'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import { definePlugin, PluginDefinitionError } from '#sdk/define_plugin'
import PluginRegistry, { maskSecret } from '#plugins/registry'
import type { PluginKind } from '#sdk/contracts/plugin'

const sender = () => ({ sendVerificationCode: async () => ({ providerMessageId: 'x' }) })
const valid = {
  id: 'sms-test',
  kind: 'sms' as const,
  version: '1.0.0',
  config: vine.create({ key: vine.string(), token: vine.string() }),
  secrets: ['token' as const],
  capabilities: ['verification-code'],
  create: sender,
}

test.group('definePlugin', () => {
  test('refuses {reason}')
    .with([
      { reason: 'an id that is not kebab-case', change: { id: 'Sms_Test' } },
      { reason: 'an unknown kind', change: { kind: 'fax' } },
      { reason: 'a version that is not semantic', change: { version: 'v1' } },
      { reason: 'a config that is not a VineJS validator', change: { config: { key: 'string' } } },
      { reason: 'a secret that is not a config field', change: { secrets: ['password'] } },
      { reason: 'an empty capability', change: { capabilities: [''] } },
    ])
    .run(({ assert }, { change }) => {
      assert.throws(() => definePlugin({ ...valid, ...change } as any), PluginDefinitionError)
    })

  test('lists config fields and secrets', ({ assert }) => {
    const plugin = definePlugin(valid)
    assert.deepEqual([...plugin.configFields], ['key', 'token'])
    assert.deepEqual([...plugin.secrets], ['token'])
    assert.isFalse(plugin.developmentOnly)
  })
})

test.group('Plugin registry', (group) => {
  const folder = app.makePath('tmp', `plugin-fixtures-${process.pid}`)
  group.each.teardown(() => rm(folder, { recursive: true, force: true }))

  async function plugin(name: string, source: string) {
    await mkdir(join(folder, name), { recursive: true })
    await writeFile(join(folder, name, 'index.ts'), source)
  }
  const registry = () =>
    new PluginRegistry({ production: false, logger, publicUrl: 'http://localhost:3333' })
  const declaration = (id: string) => `
    import vine from '@vinejs/vine'
    import { definePlugin } from '#sdk/define_plugin'
    export default definePlugin({
      id: '${id}', kind: 'sms', version: '0.1.0', config: vine.create({}), secrets: [],
      capabilities: ['verification-code'],
      create: () => ({ sendVerificationCode: async () => ({ providerMessageId: '1' }) }),
    })`

  test('a new folder is a new plugin: found at boot with no core change', async ({ assert }) => {
    await plugin('sms-fixture', declaration('sms-fixture'))
    await mkdir(join(folder, 'not-a-plugin'), { recursive: true })
    const found = registry()
    await found.discover(folder)
    assert.deepEqual(
      found.list().map((item) => item.id),
      ['sms-fixture']
    )
    assert.isNotNull(found.find('sms-fixture', 'sms'))
    assert.isNull(found.find('sms-fixture', 'payment'))
  })

  test('a folder not named after its plugin id stops the boot', async ({ assert }) => {
    await plugin('sms-other', declaration('sms-fixture'))
    await assert.rejects(() => registry().discover(folder), /folder must be named after its id/)
  })

  test('an index.ts without definePlugin stops the boot', async ({ assert }) => {
    await plugin('sms-plain', `export default { id: 'sms-plain' }`)
    await assert.rejects(() => registry().discover(folder), /must default-export definePlugin/)
  })

  test('the app finds every folder under plugins/ as a plugin of its kind', async ({ assert }) => {
    const shipped = await app.container.make('plugins')
    const entries = await readdir(app.makePath('plugins'), { withFileTypes: true })
    for (const { name } of entries.filter((entry) => entry.isDirectory())) {
      const kind = name.split('-')[0] as PluginKind
      assert.isNotNull(shipped.find(name, kind), `${name} is not a ${kind} plugin`)
    }
    assert.includeMembers(
      shipped.list('sms').map((item) => item.id),
      ['sms-aliyun', 'sms-log']
    )
  })

  test('a development-only plugin never loads in production', async ({ assert }) => {
    const production = new PluginRegistry({ production: true, logger, publicUrl: 'http://x' })
    production.register(definePlugin({ ...valid, developmentOnly: true }))
    assert.isNull(production.get(valid.id))
    assert.lengthOf(production.list(), 0)
  })

  test('secrets are split from settings and masked', async ({ assert }) => {
    const found = registry()
    const definition = definePlugin(valid)
    found.register(definition)
    const config = { key: 'visible', token: 'abcdefgh-secret-9876' }
    assert.deepEqual(found.splitSecrets(definition, config), {
      settings: { key: 'visible' },
      secrets: { token: 'abcdefgh-secret-9876' },
    })
    assert.deepEqual(found.maskConfig(definition, config), { key: 'visible', token: '******9876' })
    assert.equal(maskSecret('short'), '******')
    assert.throws(() => found.register(definition), /defined twice/)
  })
})
