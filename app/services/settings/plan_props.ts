import type { PlanKind } from '#models/plan'
import type { RiderPlanView } from '#services/riders/rider_plan_service'

/*
| Props of the plan pages (配置 → 套餐, 用户管理 → 套餐), typed on the server.
*/

export type PlanRow = {
  id: number
  projectId: number
  kind: PlanKind
  name: string
  priceFen: number
  days: number
  chargesPerDay: number | null
  charges: number | null
  maxHours: number
  enabled: boolean
}

export type PlansPageProps = {
  plans: PlanRow[]
  projectOptions: { id: number; name: string }[]
}

export type RiderPlansPageProps = {
  rider: {
    id: number
    name: string
    /** Null for a WeChat/Alipay guest (游客) who has not bound a phone. */
    phone: string | null
    status: string
    realBalance: number
    bonusBalance: number
  }
  plans: RiderPlanView[]
  /** Enabled plans the staff member may sell, with their project's name. */
  offers: (PlanRow & { projectName: string })[]
}
