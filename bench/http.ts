/*
| http: the admin's list pages over real HTTP at 50 connections
| (autocannon, BENCH_SECONDS each, default 10) against the app's HTTP server
| in a child process on the bench data set (100,000 riders, 1,000,000 ledger
| entries; database sessions, RLS, the finance staff member signed in),
| asked as the Inertia frontend asks (X-Inertia: JSON props back):
| 用户管理 filtered by a phone prefix, 账户流水 filtered by detail type and
| date range, and 账户流水 filtered by a phone prefix. Requests/s and p95
| latency (from every response time, autocannon has no p95 of its own).
| The server runs with NODE_ENV=production, as deployed.
| Baseline: GET /ping of the same server, a bare route returning a constant
| through the same server and router middleware (no sign-in, no query).
*/
import { spawn, type ChildProcess } from 'node:child_process'
import autocannon from 'autocannon'
import { MessageBuilder } from '@adonisjs/core/helpers'
import { DateTime } from 'luxon'
import { bootBench, finish, percentile, report, ROOT, type Figure } from './lib.js'
import { childEnv, seedDataSet } from './data_set.js'
import { freePort } from '#sdk/testing/free_port'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = 50

const app = await bootBench()
const set = await seedDataSet()

/**
 * The HTTP server as `npm start` runs it (NODE_ENV production: JSON logs at
 * warn, no Vite dev server in the request path), but from the sources (the
 * TypeScript is compiled once at boot) and on the bench database.
 */
async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import=@poppinss/ts-exec', 'bin/server.ts'], {
    cwd: ROOT,
    env: childEnv({ HOST: '127.0.0.1', PORT: String(port), NODE_ENV: 'production' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`)
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null)
    if (up?.ok) return child
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  throw new Error(`server not up in 60 s: ${output}`)
}

/**
 * The answer of the captcha just shown, read from the server-side session
 * row (production has no test seam; the bench owns the database).
 */
async function captchaAnswer(cookie: string | undefined) {
  if (!cookie) throw new Error('no session cookie after GET /captcha')
  const { default: encryption } = await import('@adonisjs/core/services/encryption')
  const sessionId = encryption
    .getMessageVerifier()
    .unsign<string>(decodeURIComponent(cookie).slice('s:'.length), 'pilehub-session')
  const { default: db } = await import('@adonisjs/lucid/services/db')
  const row = await db.connection('owner').from('sessions').where('id', sessionId!).first()
  const data = row && new MessageBuilder().verify<Record<string, any>>(row.data, sessionId!)
  const answer = data?.login_captcha?.answer
  if (typeof answer !== 'string') throw new Error('no captcha answer in the session')
  return answer
}

/** Signs the finance staff member in as the login form does; the cookies and headers to reuse. */
async function signIn(base: string) {
  const cookies = new Map<string, string>()
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '))
    const xsrf = cookies.get('XSRF-TOKEN')
    if (xsrf) headers.set('x-xsrf-token', decodeURIComponent(xsrf))
    const response = await fetch(`${base}${path}`, { ...init, headers, redirect: 'manual' })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';')
      const separator = pair.indexOf('=')
      cookies.set(pair.slice(0, separator), pair.slice(separator + 1))
    }
    return response
  }
  await send('/login')
  await send('/captcha')
  const answer = await captchaAnswer(cookies.get('pilehub-session'))
  const login = await send('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ account: set.account, password: set.password, captcha: answer }),
  })
  if (login.status !== 302 || login.headers.get('location') !== '/') {
    throw new Error(`login refused: ${login.status} ${login.headers.get('location')}`)
  }
  // Inertia answers 409 to a stale asset version, naming the server's own.
  const probe = await send('/riders', { headers: { 'x-inertia': 'true' } })
  const version = probe.headers.get('x-inertia-version')
  if (version === null) throw new Error(`no Inertia version from /riders: ${probe.status}`)
  return {
    'cookie': [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
    'x-inertia': 'true',
    'x-inertia-version': version,
    'x-requested-with': 'XMLHttpRequest',
  }
}

/** Requests/s and p95 of `path` at CONNECTIONS connections for SECONDS. */
async function load(base: string, path: string, headers: Record<string, string>) {
  const times: number[] = []
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: `${base}${path}`, connections: CONNECTIONS, duration: SECONDS, headers },
      (error, done) => (error ? reject(error) : resolve(done))
    )
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime))
  })
  const failed = result.non2xx + result.errors + result.timeouts
  if (failed > 0) {
    throw new Error(
      `${path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`
    )
  }
  times.sort((a, b) => a - b)
  return {
    requestsPerSecond: result.requests.total / (result.duration || SECONDS),
    p95: percentile(times, 95),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
  }
}

const port = await freePort()
const server = await startServer(port)
const figures: Figure[] = []
try {
  const base = `http://127.0.0.1:${port}`
  const headers = await signIn(base)
  const monthAgo = DateTime.now().setZone('Asia/Shanghai').minus({ days: 30 }).toISODate()
  const pages: [string, string][] = [
    ['rider list, phone prefix', '/riders?phone=13900012'],
    ['ledger, detail type + 30 days', `/riders/ledger?detailType=refund&from=${monthAgo}`],
    ['ledger, phone prefix', '/riders/ledger?phone=13900012'],
  ]
  // Every page must answer with its props before it is loaded.
  for (const [, path] of pages) {
    const check = await fetch(`${base}${path}`, { headers })
    if (check.status !== 200 || !check.headers.get('x-inertia')) {
      throw new Error(`${path} answered ${check.status} without Inertia JSON`)
    }
  }
  const constant = await load(base, '/ping', {})
  for (const [name, path] of pages) {
    const measured = await load(base, path, headers)
    const details = { path, connections: CONNECTIONS, seconds: SECONDS, measured, constant }
    figures.push(
      {
        name: `${name} requests/s`,
        value: measured.requestsPerSecond,
        unit: 'req/s',
        baseline: constant.requestsPerSecond,
        baselineUnit: 'req/s (GET /ping)',
        details,
      },
      {
        name: `${name} p95`,
        value: measured.p95,
        unit: 'ms',
        baseline: constant.p95,
        baselineUnit: 'ms (GET /ping)',
        details,
      }
    )
  }
} finally {
  const exited = new Promise((resolve) => server.once('exit', resolve))
  server.kill('SIGTERM')
  await exited
}

await report('http', figures)
await finish(app)
