import type { VendorSimulationOptions, VendorSimulationSummary } from '#sdk/contracts/vendor'

/*
| What the vendor simulators share: a seeded random source (a seed replays
| the same riders and curves), the summary `pile:simulate` prints, and the
| endpoint to dial. A plugin's simulator extends SimulationBase with its
| own piles and protocol.
*/

/** Mulberry32: small, fast and reproducible from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

/** The host and port to dial for an adapter's endpoint; a wildcard listener is dialled locally. */
export function dialEndpoint(endpoint: string) {
  const url = new URL(endpoint)
  const host = ['0.0.0.0', '::', '[::]', ''].includes(url.hostname) ? '127.0.0.1' : url.hostname
  return { host, port: Number(url.port) }
}

/** One simulation run: its options, random source, speed and summary. */
export class SimulationBase {
  readonly summary: VendorSimulationSummary
  readonly random: () => number
  /** Simulated seconds per real second (power curves, end conditions), never what is billed. */
  readonly speed: number

  constructor(
    readonly options: VendorSimulationOptions,
    defaults: { speed: number; seed: number }
  ) {
    this.random = seededRandom(options.seed ?? defaults.seed)
    this.speed = options.speed ?? defaults.speed
    this.summary = {
      piles: options.piles,
      frames: { sent: 0, received: 0 },
      swipes: 0,
      chargesStarted: 0,
      chargesEnded: 0,
      refusals: {},
      errors: 0,
    }
  }

  between(min: number, max: number) {
    return min + this.random() * (max - min)
  }

  /** A wait with the given mean, exponentially distributed as arrivals are. */
  exponential(mean: number) {
    return -Math.log(1 - this.random()) * mean
  }

  /** Resolves once the run's time is up or its signal aborts it. */
  untilEnd(): Promise<void> {
    const { durationSeconds, signal } = this.options
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, durationSeconds * 1000)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  refused(reason: string) {
    this.summary.refusals[reason] = (this.summary.refusals[reason] ?? 0) + 1
  }
}
