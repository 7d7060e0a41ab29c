import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const ROOT = new URL('../', import.meta.url)

/**
 * A fresh clone has no .env: write one from .env.example with a new APP_KEY,
 * so the first `npm run dev` needs no manual step. Production sets real
 * environment variables and keeps no .env file.
 */
export async function ensureEnvFile() {
  const envFile = fileURLToPath(new URL('.env', ROOT))
  if (existsSync(envFile) || process.env.NODE_ENV === 'production' || process.env.APP_KEY) return
  const example = await readFile(new URL('.env.example', ROOT), 'utf8')
  const key = randomBytes(32).toString('base64url')
  await writeFile(envFile, example.replace(/^APP_KEY=.*$/m, `APP_KEY=${key}`))
  console.log('[env] wrote .env with a new APP_KEY')
}
