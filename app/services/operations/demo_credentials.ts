import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import app from '@adonisjs/core/services/app'

/** What each demo pile proves itself with, by plugin id then device key (secret or DNY ICCID). */
export type DemoCredentials = Record<string, Record<string, string>>

/**
 * Where the demo seeder leaves the demo piles' credentials for
 * `node ace pile:simulate --tenant=zxb`: under tmp/ (git-ignored), written in
 * development only. Production never seeds demo piles, so never has this file.
 */
export function demoCredentialsPath() {
  return app.tmpPath('demo-pile-credentials.json')
}

/** The file's credentials; none when it is missing or unreadable (the simulators then present none). */
export async function readDemoCredentials(path = demoCredentialsPath()): Promise<DemoCredentials> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'))
    if (!parsed || typeof parsed !== 'object') return {}
    const credentials: DemoCredentials = {}
    for (const [pluginId, piles] of Object.entries(parsed)) {
      if (!piles || typeof piles !== 'object') continue
      credentials[pluginId] = Object.fromEntries(
        Object.entries(piles).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string'
        )
      )
    }
    return credentials
  } catch {
    return {}
  }
}

export async function writeDemoCredentials(
  credentials: DemoCredentials,
  path = demoCredentialsPath()
) {
  await mkdir(dirname(path), { recursive: true })
  // Readable by this user only: the keys let a client speak for the demo piles.
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 })
}
