import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import mqtt from 'mqtt'
import { freePort } from '#sdk/testing/free_port'

/*
| A real mosquitto (Debian's package, which .ci/run installs when missing)
| of a test's own, on free ports, configured as the README says: piles on
| one listener (no anonymous clients, a password per pile with username =
| IMEI, the pattern ACL that keeps each pile to its own topics, the
| username as client id), gateways on another (each with its own client id,
| as shared-subscription members must be).
*/

export const GATEWAY = { username: 'pilehub-gateway', password: 'gateway-secret' }

export interface Mosquitto {
  /** Where piles connect. */
  url: string
  /** Where gateways connect. */
  gatewayUrl: string
  stop(): Promise<void>
}

const run = promisify(execFile)

function binary(name: string, directories: string[]) {
  const found = directories.map((dir) => join(dir, name)).find((path) => existsSync(path))
  if (!found) throw new Error(`${name} not found: apt-get install -y mosquitto (.ci/run does)`)
  return found
}

/**
 * `piles`: each IMEI's password. `open`: one listener, anyone let in with
 * any client id and topic (the vendor contract's simulated piles carry no
 * credentials); the gateway still signs in.
 */
export async function startMosquitto(
  options: { piles?: Record<string, string>; open?: boolean } = {}
): Promise<Mosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'juy-mosquitto-'))
  const [pilePort, gatewayPort] = [await freePort(), await freePort()]
  const lines = [
    'persistence false',
    'log_dest stderr',
    // Started as root, mosquitto 2 switches to the user `mosquitto`, which
    // could not read this temp dir: stay the user we are.
    `user ${userInfo().username}`,
  ]
  if (options.open) {
    lines.push('allow_anonymous true', `listener ${gatewayPort} 127.0.0.1`)
  } else {
    const passwd = join(dir, 'passwd')
    const mosquittoPasswd = binary('mosquitto_passwd', ['/usr/bin', '/usr/sbin'])
    const users = [
      GATEWAY,
      ...Object.entries(options.piles ?? {}).map(([u, p]) => ({ username: u, password: p })),
    ]
    for (const [index, { username, password }] of users.entries()) {
      await run(mosquittoPasswd, [...(index === 0 ? ['-c'] : []), '-b', passwd, username, password])
    }
    await writeFile(
      join(dir, 'acl'),
      [
        `user ${GATEWAY.username}`,
        'topic read JUY/D2S/+/+/DEV',
        'topic read JUY/S2D/+/84/SERVER',
        'topic write JUY/S2D/+/+/SERVER',
        '',
        'pattern write JUY/D2S/%u/+/DEV',
        'pattern read JUY/S2D/%u/+/SERVER',
        '',
      ].join('\n')
    )
    lines.push(
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${join(dir, 'acl')}`,
      `listener ${pilePort} 127.0.0.1`,
      'use_username_as_clientid true',
      'max_packet_size 4096',
      `listener ${gatewayPort} 127.0.0.1`
    )
  }
  const config = join(dir, 'mosquitto.conf')
  await writeFile(config, [...lines, ''].join('\n'))
  const child: ChildProcess = spawn(
    binary('mosquitto', ['/usr/sbin', '/usr/bin', '/usr/local/sbin']),
    ['-c', config],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let output = ''
  child.stderr!.on('data', (chunk) => (output = (output + chunk).slice(-4000)))
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (error) => {
      output += String(error)
      resolve()
    })
  })
  const running = () => child.exitCode === null && child.signalCode === null
  const stop = async () => {
    if (running()) child.kill('SIGTERM')
    await exited
    await rm(dir, { recursive: true, force: true })
  }
  const gatewayUrl = `mqtt://127.0.0.1:${gatewayPort}`
  try {
    // Ready once the gateway's account can sign in.
    for (let attempt = 1; ; attempt++) {
      if (!running()) throw new Error(`mosquitto exited: ${output}`)
      try {
        const probe = await mqtt.connectAsync(gatewayUrl, { ...GATEWAY, reconnectPeriod: 0 })
        await probe.endAsync()
        break
      } catch (error) {
        if (attempt === 100) throw new Error(`mosquitto not ready: ${output} ${error}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {
    url: options.open ? gatewayUrl : `mqtt://127.0.0.1:${pilePort}`,
    gatewayUrl,
    stop,
  }
}
