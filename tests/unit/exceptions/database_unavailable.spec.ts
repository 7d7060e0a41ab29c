import { test } from '@japa/runner'
import pg from 'pg'
import { isDatabaseUnavailable } from '#exceptions/database_unavailable'

/** What node-postgres rejects with when the server is not there at all. */
async function refusedConnection() {
  const client = new pg.Client({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2000 })
  return client.connect().then(
    () => null,
    (error: unknown) => error
  )
}

test.group('isDatabaseUnavailable', () => {
  test('a refused connection, a server shutting down or starting, a pool timeout', async ({
    assert,
  }) => {
    assert.isTrue(isDatabaseUnavailable(await refusedConnection()))
    for (const code of ['57P01', '57P03', '08006']) {
      assert.isTrue(isDatabaseUnavailable(Object.assign(new Error('server said so'), { code })))
    }
    assert.isTrue(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')))
    assert.isTrue(
      isDatabaseUnavailable(
        new Error('Knex: Timeout acquiring a connection. The pool is probably full.')
      )
    )
    assert.isTrue(
      isDatabaseUnavailable(new Error('query failed', { cause: await refusedConnection() }))
    )
  })

  test('errors the database answered are not an outage', ({ assert }) => {
    assert.isFalse(isDatabaseUnavailable(Object.assign(new Error('duplicate'), { code: '23505' })))
    assert.isFalse(isDatabaseUnavailable(new Error('something else')))
    assert.isFalse(isDatabaseUnavailable(null))
    assert.isFalse(isDatabaseUnavailable('ECONNREFUSED'))
  })
})
