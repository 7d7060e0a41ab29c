import { test } from '@japa/runner'
import env from '#start/env'

test.group('readiness probe', () => {
  test('GET /readyz answers 200 while the database answers', async ({ assert }) => {
    const answer = await fetch(`http://${env.get('HOST')}:${env.get('PORT')}/readyz`)
    assert.equal(answer.status, 200)
    assert.deepEqual(await answer.json(), { ok: true })
  })
})
