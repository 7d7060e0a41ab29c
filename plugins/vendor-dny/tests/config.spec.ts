import { test } from '@japa/runner'
import { testLogger } from '#sdk/testing/context'
import vendorDny from '../index.js'
import type { DnyAdapter } from '../adapter.js'

const logger = testLogger()

async function create(raw: Record<string, unknown>) {
  const config = await vendorDny.validateConfig(raw)
  const adapter = await vendorDny.create(config, {
    tenantId: null,
    logger,
    publicUrl: 'http://localhost',
  })
  return adapter as DnyAdapter
}

test.group('vendor-dny config: the edge limits', () => {
  test('defaults are the README figures; identification waits one heartbeat and 30 s', async ({
    assert,
  }) => {
    const { config } = await create({})
    assert.deepInclude(config, {
      maxConnections: 10_000,
      maxConnectionsPerIp: 1_000,
      messagesPerSecond: 5,
      messageBurst: 100,
      maxQueuedMessages: 200,
      maxMessageBytes: 512,
      identifyTimeoutMs: 210_000,
    })
    const slowBeat = await create({ heartbeatSeconds: 60 })
    assert.equal(slowBeat.config.identifyTimeoutMs, 90_000)
    const configured = await create({ identifyTimeoutMs: 5_000 })
    assert.equal(configured.config.identifyTimeoutMs, 5_000)
  })

  test('a frame size the length field allows but no pile needs is refused', async ({ assert }) => {
    await assert.rejects(() => vendorDny.validateConfig({ maxMessageBytes: 65_535 }))
    await assert.rejects(() => vendorDny.validateConfig({ maxMessageBytes: 100 }))
    const largest = await create({ maxMessageBytes: 4096 })
    assert.equal(largest.config.maxMessageBytes, 4096)
  })
})
