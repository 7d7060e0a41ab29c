/** Command bytes ("TCP 通信协议" V1.2). The same byte names a command and its reply. */
export const JUY_COMMANDS = {
  login: 0x81,
  heartbeat: 0x82,
  start: 0x83,
  stop: 0x84,
  endReport: 0x85,
  localStart: 0x86,
  cardAuth: 0x87,
  portData: 0x88,
  queryParameters: 0x89,
  setParameters: 0x8a,
} as const

/** 0x81 login reply. F0: ok, and the TCP module puts its IMEI in every later frame. */
export const JUY_LOGIN_RESULTS = {
  0x00: 'ok',
  0x01: 'illegal_module',
  0xf0: 'ok_imei_header',
} as const
export const JUY_LOGIN_OK_IMEI_HEADER = 0xf0

/** 0x81 login reason; other values are reserved for later and accepted. */
export const JUY_LOGIN_REASONS = { 0x00: 'power_on', 0x01: 'software_restart' } as const

/** 0x82 heartbeat port status. */
export const JUY_PORT_STATUSES = {
  0x00: 'idle',
  0x01: 'in_use',
  0x02: 'fuse_blown',
  0x03: 'relay_stuck',
  0x04: 'disabled',
} as const

/** 0x83 start mode. */
export const JUY_START_MODES = { 1: 'qr', 2: 'card', 3: 'admin' } as const

/** 0x83 charge type: what the u32 parameter means. */
export const JUY_CHARGE_TYPES = {
  1: 'full',
  2: 'amount',
  3: 'time',
  4: 'energy',
  5: 'other',
} as const

/** 0x83 device reply. */
export const JUY_START_RESULTS = { 0: 'started', 1: 'busy', 2: 'port_fault' } as const

/** 0x84 device reply. */
export const JUY_STOP_RESULTS = { 0: 'stopped', 1: 'already_idle', 2: 'order_mismatch' } as const

/** 0x85 stop reason. */
export const JUY_STOP_REASONS = {
  0: 'full',
  1: 'time_used_up',
  2: 'money_used_up',
  3: 'manual',
  4: 'energy_used_up',
  5: 'over_power',
  6: 'no_charger',
  7: 'over_temperature',
  8: 'smoke',
  9: 'smart_stop',
} as const

/** 0x86 local start mode. */
export const JUY_LOCAL_START_MODES = { 1: 'offline_card', 2: 'coin', 3: 'free_key' } as const

/** 0x87 card operation. */
export const JUY_CARD_OPERATIONS = { 1: 'balance', 2: 'start', 3: 'free' } as const

/** 0x87 reply: 7 = the card is a day pass and the value is the days left. */
export const JUY_CARD_RESULTS = {
  0: 'ok',
  1: 'illegal',
  2: 'frozen',
  5: 'insufficient',
  6: 'in_use',
  7: 'days_left',
} as const
export const JUY_CARD_DAYS_LEFT = 7

/** Parameter table billing mode: 0 by the hour per power tier, 1 by amount with tier discounts. */
export const JUY_BILLING_MODES = { 0: 'hourly', 1: 'discount' } as const
export const JUY_DISCOUNT_BILLING = 1

/** Parameter table IC card type. */
export const JUY_IC_CARD_TYPES = {
  0: 'compatible',
  1: 'sde_inverted_aba_normal',
  2: 'sde_normal_aba_inverted',
  3: 'other',
  4: 'public',
} as const

/** The parameter table always has 8 power tiers. */
export const JUY_TIER_COUNT = 8

/** Defaults of the 8 tier powers, in watts. */
export const JUY_DEFAULT_TIER_POWERS_WATTS = [200, 300, 500, 800, 1000, 1500, 2000, 2500] as const

export function codesOf(table: Record<number, string>) {
  return Object.keys(table).map(Number)
}
