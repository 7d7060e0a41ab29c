import { test } from '@japa/runner'
import {
  GENESIS_HASH,
  MASK,
  canonicalJson,
  maskSecrets,
  recordHash,
  type HashedContent,
} from '#core/audit/audit_hash'

const content: HashedContent = {
  tenantId: 7,
  chainSeq: 3,
  staffId: 11,
  actorAccount: 'admin',
  actorName: '胡语',
  projectId: null,
  action: 'riders.freeze',
  kind: 'operation',
  targetType: 'rider',
  targetId: '42',
  before: { status: 'normal', tags: ['a', 'b'] },
  after: { status: 'frozen', tags: ['a', 'b'] },
  ip: '10.0.0.1',
  userAgent: 'Mozilla/5.0',
  requestId: 'req-1',
  result: 'success',
  reason: null,
  occurredAt: '2025-01-02T03:04:05.678Z',
  prevHash: GENESIS_HASH,
}

test.group('Audit canonical JSON and hash', () => {
  test('keys are sorted at every depth, arrays keep their order, no whitespace', ({ assert }) => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, 1, { z: null, y: '中' }], c: true } }),
      '{"a":{"c":true,"d":[3,1,{"y":"中","z":null}]},"b":1}'
    )
  })

  test('the same content hashes the same whatever its key order', ({ assert }) => {
    const reordered = Object.fromEntries(Object.entries(content).reverse()) as HashedContent
    assert.equal(recordHash(reordered), recordHash(content))
    assert.match(recordHash(content), /^[0-9a-f]{64}$/)
  })

  test('changing any field, nested values included, changes the hash', ({ assert }) => {
    const original = recordHash(content)
    const changes: Partial<HashedContent>[] = [
      { tenantId: 8 },
      { chainSeq: 4 },
      { actorName: '胡雨' },
      { after: { status: 'normal', tags: ['a', 'b'] } },
      { before: { status: 'normal', tags: ['b', 'a'] } },
      { occurredAt: '2025-01-02T03:04:05.679Z' },
      { prevHash: 'f'.repeat(64) },
      { reason: '' },
    ]
    for (const change of changes) {
      assert.notEqual(recordHash({ ...content, ...change }), original, JSON.stringify(change))
    }
  })

  test('secrets are masked at any depth, other values kept', ({ assert }) => {
    assert.deepEqual(
      maskSecrets({
        account: 'admin',
        password: 'pilehub123',
        newPassword: 'x',
        captcha: 'ab12',
        config: { appSecret: 's', api_key: 'k', merchantId: 'm', tokens: [{ accessToken: 't' }] },
        rememberMeToken: null,
        at: new Date('2025-01-01T00:00:00Z'),
        skipped: undefined,
      }),
      {
        account: 'admin',
        password: MASK,
        newPassword: MASK,
        captcha: MASK,
        config: {
          appSecret: MASK,
          api_key: MASK,
          merchantId: 'm',
          tokens: [{ accessToken: MASK }],
        },
        rememberMeToken: null,
        at: '2025-01-01T00:00:00.000Z',
      }
    )
    assert.isNull(maskSecrets(undefined))
  })
})
