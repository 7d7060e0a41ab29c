import type { BuiltinRoleKey } from '#services/access/permissions'

/** Demo logins of the seeded tenant; `npm run dev` prints them. */
export const DEMO_LOGINS: {
  account: string
  password: string
  name: string
  role: BuiltinRoleKey
}[] = [{ account: 'admin', password: 'pilehub123', name: '胡语', role: 'super_admin' }]

/** The demo platform console admin (/platform/login); `npm run dev` prints it too. */
export const DEMO_PLATFORM_LOGIN = {
  account: 'platform',
  password: 'platform123',
  name: '平台管理员',
}
