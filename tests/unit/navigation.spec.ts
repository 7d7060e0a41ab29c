import { test } from '@japa/runner'
import { NAVIGATION, unbuiltPages } from '#services/navigation'

test.group('Navigation', () => {
  test('has the ten top menus of the old system, in order', ({ assert }) => {
    assert.deepEqual(
      NAVIGATION.map((section) => section.key),
      [
        'home',
        'riders',
        'orders',
        'finance',
        'cards',
        'operations',
        'data',
        'permissions',
        'settings',
        'logs',
      ]
    )
  })

  test('the riders menu holds the three pages of the manual', ({ assert }) => {
    const riders = NAVIGATION.find((section) => section.key === 'riders')!
    assert.deepEqual(
      riders.items.map((item) => item.key),
      ['list', 'cards', 'ledger']
    )
  })

  test('every menu page is either built or listed as unbuilt, once', ({ assert }) => {
    const paths = unbuiltPages(new Set(['/'])).map((page) => page.path)
    assert.equal(new Set(paths).size, paths.length)
    assert.notInclude(paths, '/')
  })
})
