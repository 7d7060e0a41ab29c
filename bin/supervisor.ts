/*
| Keeps one role of `npm run dev` (web, worker, gateway) running: a child
| that exits when nobody asked it to is started again after a delay that
| doubles on each quick failure (1 s, 2 s, ... 30 s) and falls back to the
| first once a child has run for a minute. Production leaves this to systemd
| (README, "Running in production").
*/
import type { ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { createInterface } from 'node:readline'

export interface SupervisorOptions {
  /** Starts the role's process; its stdout and stderr must be pipes. */
  spawn: () => ChildProcess
  /** Receives each output line of the child. */
  output: (line: string) => void
  /** Receives the supervisor's own notes (a death, a restart). */
  notice: (message: string) => void
  /**
   * An output line saying the role's real work process died while the child
   * lives on (`ace serve --hmr` keeps watching files after its HTTP server
   * exited on a fatal error): the child is then stopped and restarted like a
   * dead one.
   */
  diedWhen?: (line: string) => boolean
  firstDelayMs?: number
  maxDelayMs?: number
  /** A child that ran this long was healthy: the next delay is the first again. */
  healthyAfterMs?: number
  now?: () => number
}

export interface Restart {
  code: number | null
  signal: NodeJS.Signals | null
  delayMs: number
}

/** Sends `signal` to the child's process group (it was spawned detached), so its own children get it too. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal)
  } catch {}
}

export function hasExited(child: ChildProcess) {
  return child.exitCode !== null || child.signalCode !== null
}

export function exited(child: ChildProcess) {
  return new Promise<number>((resolve) => {
    if (hasExited(child)) return resolve(child.exitCode ?? 1)
    child.once('exit', (code) => resolve(code ?? 1))
  })
}

/** Emits `start` (ChildProcess) for every child it starts and `restart` (Restart) when it schedules one. */
export class Supervisor extends EventEmitter {
  readonly role: string
  #options: Required<Omit<SupervisorOptions, 'diedWhen'>> & Pick<SupervisorOptions, 'diedWhen'>
  #child: ChildProcess | null = null
  #startedAt = 0
  #delayMs: number
  #timer: NodeJS.Timeout | null = null
  #stopped = false

  constructor(role: string, options: SupervisorOptions) {
    super()
    this.role = role
    this.#options = {
      ...options,
      firstDelayMs: options.firstDelayMs ?? 1_000,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      healthyAfterMs: options.healthyAfterMs ?? 60_000,
      now: options.now ?? Date.now,
    }
    this.#delayMs = this.#options.firstDelayMs
  }

  get child() {
    return this.#child
  }

  start() {
    const child = this.#options.spawn()
    this.#child = child
    this.#startedAt = this.#options.now()
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => {
        this.#options.output(line)
        if (!this.#stopped && this.#options.diedWhen?.(line)) {
          this.#options.notice(`${this.role} reports its process died; stopping it to restart`)
          signalGroup(child, 'SIGTERM')
        }
      })
    }
    child.once('exit', (code, signal) => this.#onExit(child, code, signal))
    this.emit('start', child)
    return child
  }

  /** No restart from now on; returns the child still running, for the caller to stop. */
  stop() {
    this.#stopped = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    return this.#child && !hasExited(this.#child) ? this.#child : null
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (this.#stopped || child !== this.#child) return
    if (this.#options.now() - this.#startedAt >= this.#options.healthyAfterMs) {
      this.#delayMs = this.#options.firstDelayMs
    }
    const delayMs = this.#delayMs
    this.#delayMs = Math.min(delayMs * 2, this.#options.maxDelayMs)
    const how = signal ? `on ${signal}` : `with exit code ${code}`
    this.#options.notice(`${this.role} exited ${how}; restarting it in ${delayMs / 1000} s`)
    this.emit('restart', { code, signal, delayMs } satisfies Restart)
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (!this.#stopped) this.start()
    }, delayMs)
  }
}
