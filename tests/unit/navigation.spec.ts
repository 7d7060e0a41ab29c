import { test } from '@japa/runner'
import { NAVIGATION } from '#services/navigation'

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

  test('the riders menu holds the three pages of the manual, then 优惠券', ({ assert }) => {
    const riders = NAVIGATION.find((section) => section.key === 'riders')!
    assert.deepEqual(
      riders.items.map((item) => item.key),
      ['list', 'cards', 'ledger', 'coupons']
    )
  })
})
