import { test } from '@japa/runner'
import type { Assert } from '@japa/assert'

/** One check of a contract suite. */
export interface ContractCheck {
  title: string
  run(assert: Assert): Promise<void>
}

/**
 * A kind's contract as plain checks, so the same suite runs as a Japa group
 * (a plugin's tests/contract.spec.ts) or inside one test (a plugin made on
 * the fly, e.g. by make:plugin's own test).
 */
export interface ContractSuite {
  title: string
  /** Per check, for suites that run simulations. */
  timeout?: number
  /** Before all checks; returns the cleanup after them. */
  setup?(): Promise<() => Promise<void>>
  /** Before each check; returns the cleanup after it. */
  each?(): Promise<() => Promise<void>>
  checks: ContractCheck[]
}

/** Collects a suite's checks in the order they are declared. */
export function contractSuite(
  options: Omit<ContractSuite, 'checks'>,
  declare: (check: (title: string, run: ContractCheck['run']) => void) => void
): ContractSuite {
  const checks: ContractCheck[] = []
  declare((title, run) => checks.push({ title, run }))
  return { ...options, checks }
}

/** Registers the suite as a Japa group: each check is a test. */
export function registerContract(suite: ContractSuite) {
  test.group(suite.title, (group) => {
    if (suite.setup) group.setup(suite.setup)
    if (suite.each) group.each.setup(suite.each)
    for (const check of suite.checks) {
      const entry = test(check.title, ({ assert }) => check.run(assert))
      if (suite.timeout) entry.timeout(suite.timeout)
    }
  })
}

/** Runs every check in turn with the caller's assert; a failure names its check. */
export async function runContract(suite: ContractSuite, assert: Assert) {
  const cleanup = suite.setup ? await suite.setup() : null
  try {
    for (const check of suite.checks) {
      const after = suite.each ? await suite.each() : null
      try {
        await check.run(assert)
      } catch (error) {
        throw new Error(`${suite.title}: ${check.title}: ${(error as Error).message}`, {
          cause: error,
        })
      } finally {
        await after?.()
      }
    }
  } finally {
    await cleanup?.()
  }
}
