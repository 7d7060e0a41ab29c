/** Demo logins of the seeded tenant; `npm run dev` prints them. */
export const DEMO_LOGINS = [{ account: 'admin', password: 'pilehub123', name: '胡语' }]
