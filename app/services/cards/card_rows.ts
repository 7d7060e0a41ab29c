import type { CardStatus } from '#models/card'

/*
 * 卡片库存 and 用户卡片 rows, as the pages receive them: the services return them and the
 * pages import them (types only), so a prop's shape is written once.
 * Type aliases, not interfaces: Inertia props must be plain JSON types.
 */
export type CardRow = {
  id: number
  cardNo: string
  status: CardStatus
  projectId: number
  projectName: string
  riderId: number | null
  riderName: string | null
  riderPhone: string | null
  boundAt: string | null
  createdAt: string
}
