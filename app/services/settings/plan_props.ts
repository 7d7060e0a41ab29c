import type { PlanKind } from '#models/plan'
import type { PlanPaidBy } from '#models/rider_plan'

/*
| Props of the plan pages (配置 → 套餐, 用户管理 → 套餐), typed on the server.
*/

/** What a plan sells, as every plan page shows it. */
export type PlanTermsView = {
  kind: PlanKind
  name: string
  priceFen: number
  days: number
  chargesPerDay: number | null
  charges: number | null
  maxHours: number
}

/** A rider's plan as 用户管理 and the H5 show it. */
export type RiderPlanView = PlanTermsView & {
  id: number
  projectId: number
  startsAt: string
  endsAt: string
  status: 'active' | 'expired' | 'refunded'
  usedTotal: number
  usedToday: number
  /** 次卡: charges left; 包月: charges left today. */
  chargesLeft: number
  refundedFen: number | null
  paidBy: PlanPaidBy
}

export type PlanRow = PlanTermsView & { id: number; projectId: number; enabled: boolean }

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
