import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import { parse } from 'yaml'

/*
| deploy/ cannot be run here (no Docker), so what can be checked without it
| is: HAProxy accepts its configuration, and the compose file hangs together
| with the files, variables and role commands beside it.
*/

const deploy = (path: string) => new URL(`../../deploy/${path}`, import.meta.url)
const read = (path: string) => readFileSync(deploy(path), 'utf8')

type Service = {
  command?: string[]
  depends_on?: Record<string, unknown> | string[]
  volumes?: string[]
}

function compose() {
  const file = read('compose.yaml')
  const parsed = parse(file, { merge: true }) as { services: Record<string, Service> }
  return { file, services: parsed.services }
}

test.group('deploy/', () => {
  test('HAProxy accepts deploy/haproxy.cfg', async ({ assert }) => {
    const { stdout, stderr } = await promisify(execFile)('haproxy', [
      '-c',
      '-f',
      deploy('haproxy.cfg').pathname,
    ])
    assert.include(`${stdout}${stderr}`, 'Configuration file is valid')
  })

  test('compose.yaml names only services, files and variables that exist', ({ assert }) => {
    const { file, services } = compose()
    for (const [name, service] of Object.entries(services)) {
      const needs = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {})
      for (const need of needs) assert.property(services, need, `${name} depends on ${need}`)
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]
        if (source.startsWith('./')) assert.isTrue(existsSync(deploy(source)), `${name}: ${source}`)
      }
    }
    const example = read('.env.example')
    const asked = new Set([...file.matchAll(/\$\{(\w+)/g)].map((match) => match[1]))
    for (const variable of asked) {
      assert.match(example, new RegExp(`^${variable}=`, 'm'), `${variable} in deploy/.env.example`)
    }
  })

  test('HAProxy sends the PROXY protocol to gateways told to read it', ({ assert }) => {
    const servers = read('haproxy.cfg').match(/^\s+server-template gateway .+$/gm) ?? []
    assert.lengthOf(servers, 2)
    for (const server of servers) assert.include(server, ' send-proxy-v2 ')
    const gateway = parse(read('compose.yaml'), { merge: true }).services.gateway
    assert.equal(gateway.environment.GATEWAY_PROXY_PROTOCOL, 'true')
  })

  test('each role runs the command its systemd unit runs', ({ assert }) => {
    const { services } = compose()
    for (const role of ['web', 'worker', 'gateway']) {
      const unit = read(`systemd/pilehub-${role}@.service`)
      const execStart = unit.match(/^ExecStart=\/usr\/bin\/node (.+)$/m)![1]
      assert.equal(services[role].command!.join(' '), `node ${execStart}`, role)
    }
  })
})
