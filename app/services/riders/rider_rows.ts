import type { RiderStatus } from '#models/rider'

/*
 * 用户列表 rows, as the pages receive them: the services return them and the
 * pages import them (types only), so a prop's shape is written once.
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */
export type RiderRow = {
  id: number
  name: string
  /** Null for a guest (游客) who has not bound a phone yet. */
  phone: string | null
  status: RiderStatus
  source: 'online' | 'offline'
  registeredAt: string
  realBalance: number
  bonusBalance: number
  totalBalance: number
  /** Held by the rider's open orders (冻结金额), real and bonus money, fen. */
  heldRealFen: number
  heldBonusFen: number
  /** Cards bound to the rider, lost ones included (they may be found again). */
  cardCount: number
}
