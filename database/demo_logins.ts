import type { BuiltinRoleKey } from '#core/access/permissions'

/**
 * The demo tenants: an operator running 正商集团's sites as a project (plus a
 * second project), and a second operator to show that tenants are walled off.
 * `npm run dev` prints the logins.
 */
export const DEMO_TENANTS: {
  code: string
  name: string
  projects: { code: string; name: string }[]
  staff: { account: string; password: string; name: string; role: BuiltinRoleKey }[]
}[] = [
  {
    code: 'zxb',
    name: '河南正小伴网络技术有限公司',
    projects: [
      { code: 'zhengshang', name: '正商集团' },
      { code: 'kangqiao', name: '康桥社区' },
    ],
    staff: [
      { account: 'admin', password: 'pilehub123', name: '胡语', role: 'super_admin' },
      { account: 'caiwu', password: 'pilehub123', name: '李会计', role: 'finance' },
    ],
  },
  {
    code: 'lvyuan',
    name: '郑州绿源物业服务有限公司',
    projects: [{ code: 'lvyuan-garden', name: '绿源花园' }],
    staff: [{ account: 'lvyuan', password: 'pilehub123', name: '王经理', role: 'super_admin' }],
  },
]

export const DEMO_LOGINS = DEMO_TENANTS.flatMap((tenant) =>
  tenant.staff.map((staff) => ({ ...staff, tenant: tenant.name }))
)

/** The demo platform console admin (/platform/login); `npm run dev` prints it too. */
export const DEMO_PLATFORM_LOGIN = {
  account: 'platform',
  password: 'platform123',
  name: '平台管理员',
}
