import { readdir, readFile, rm } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from '@japa/runner'
import ace from '@adonisjs/core/services/ace'
import app from '@adonisjs/core/services/app'
import type { PluginKind } from '#sdk/contracts/plugin'
import { runContract, type ContractSuite } from '#sdk/testing/contract'
import { paymentContractSuite } from '#sdk/testing/payment_contract'
import { smsContractSuite } from '#sdk/testing/sms_contract'
import { notifyContractSuite } from '#sdk/testing/notify_contract'
import { vendorContractSuite } from '#sdk/testing/vendor_contract'

const SUITES: Record<PluginKind, (options: any) => ContractSuite> = {
  vendor: vendorContractSuite,
  payment: paymentContractSuite,
  sms: smsContractSuite,
  notify: notifyContractSuite,
}

/** Node builtins, npm packages, the kit and the plugin's own files: nothing of the app. */
const ALLOWED = /^(node:|\.\.?\/|#sdk\/|@?[a-z])/

test.group('make:plugin', (group) => {
  // Inside the app's folder, so that #sdk/* resolves as it does for plugins/.
  const folder = app.makePath('tmp', `make-plugin-${process.pid}`)
  group.each.teardown(() => rm(folder, { recursive: true, force: true }))

  test('the {$self} scaffold imports only the kit and passes its contract suite as generated')
    .with(['vendor', 'payment', 'sms', 'notify'] as const)
    .run(async ({ assert }, kind) => {
      const command = await ace.exec('make:plugin', [kind, 'scaffold', '--directory', folder])
      assert.equal(command.exitCode, 0)
      const root = join(folder, `${kind}-scaffold`)

      const entries = await readdir(root, { recursive: true })
      const files = entries.filter((file) => file.endsWith('.ts'))
      assert.include(files, join('tests', 'contract.spec.ts'))
      for (const file of files) {
        const source = await readFile(join(root, file), 'utf8')
        for (const [, specifier] of source.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
          assert.match(specifier, ALLOWED, `${file} imports ${specifier}`)
          if (specifier.startsWith('.')) {
            const target = resolve(root, dirname(file), specifier)
            assert.isTrue(target.startsWith(`${root}${sep}`), `${file} leaves its folder`)
          }
        }
      }

      const { default: plugin } = await import(pathToFileURL(join(root, 'index.ts')).href)
      const { contractOptions } = await import(
        pathToFileURL(join(root, 'tests', 'contract_options.ts')).href
      )
      assert.equal(plugin.id, `${kind}-scaffold`)
      assert.equal(plugin.kind, kind)
      await runContract(SUITES[kind](contractOptions(plugin)), assert)
    })
    .timeout(180_000)

  test('refuses an unknown kind and an existing folder', async ({ assert }) => {
    const unknown = await ace.exec('make:plugin', ['printer', 'acme', '--directory', folder])
    assert.equal(unknown.exitCode, 1)
    const first = await ace.exec('make:plugin', ['sms', 'acme', '--directory', folder])
    assert.equal(first.exitCode, 0)
    const again = await ace.exec('make:plugin', ['sms', 'acme', '--directory', folder])
    assert.equal(again.exitCode, 1)
  })
})
