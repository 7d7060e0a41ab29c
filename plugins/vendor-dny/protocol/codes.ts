/** Command bytes (AP3000 protocol V8.6). */
export const DNY_COMMANDS = {
  cardSwipe: 0x02,
  settlement: 0x03,
  portPower: 0x06,
  register: 0x20,
  heartbeat: 0x21,
  timeRequest: 0x22,
  chargeControl: 0x82,
  setParameters: 0x83,
  setLimits: 0x85,
  reboot: 0x87,
  modifyCharge: 0x8a,
} as const

/** Port status byte of the 0x21 heartbeat. 0x0C is not defined by the document. */
export const DNY_PORT_STATUSES = {
  0x00: 'idle',
  0x01: 'charging',
  0x02: 'plugged',
  0x03: 'full',
  0x04: 'unmetered',
  0x05: 'float_charging',
  0x06: 'memory_fault',
  0x07: 'socket_stuck',
  0x08: 'contact_or_fuse_fault',
  0x09: 'relay_welded',
  0x0a: 'hall_sensor_fault',
  0x0b: 'precheck_relay_or_fuse_fault',
  0x0d: 'precheck_short_circuit',
  0x0e: 'precheck_relay_welded',
  0x0f: 'card_reader_fault',
  0x10: 'detection_circuit_fault',
} as const

/** The port status of a 0x06 power report: 1 charging, 2 waiting for a charger, 3 full, 5 float. */
export const DNY_POWER_REPORT_STATUSES = [0x01, 0x02, 0x03, 0x05] as const

/** Stop reason of the 0x03 settlement. */
export const DNY_STOP_REASONS = {
  0x01: 'full',
  0x02: 'max_duration',
  0x03: 'preset_duration',
  0x04: 'preset_energy',
  0x05: 'unplugged',
  0x06: 'overload',
  0x07: 'server_stop',
  0x08: 'dynamic_overload',
  0x09: 'power_too_low',
  0x0a: 'ambient_over_temperature',
  0x0b: 'port_over_temperature',
  0x0c: 'over_current',
  0x0d: 'unplugged_socket_stuck',
  0x0e: 'no_power',
  0x0f: 'precheck_relay_or_fuse_fault',
  0x10: 'flooding',
  0x11: 'fire_suppression_this_port',
  0x12: 'fire_suppression_other_port',
  0x13: 'cabinet_opened_by_password',
  0x14: 'cabinet_door_open',
  0x15: 'external_stop',
  0x16: 'card_stop',
  0x17: 'server_forced_stop',
  0x18: 'fire_system_stop',
  0x19: 'memory_error',
  0x1a: 'over_voltage',
  0x1b: 'under_voltage',
  0x1c: 'low_power_cut',
} as const

/** How a charge was started (0x03, 0x06): 0 offline card, 1 server command, 3 verification code. */
export const DNY_START_MODES = [0, 1, 3] as const

/** Card type of the 0x02 swipe: 0 old, 1 new, 2 balance card (retired), 3 UID only, 4 social security. */
export const DNY_CARD_TYPES = [0, 1, 2, 3, 4] as const

/** Rate mode in 0x02 replies and 0x82 commands: 0 time, 1 monthly, 2 energy, 3 per use. */
export const DNY_RATE_MODES = [0, 1, 2, 3] as const
export const DNY_MONTHLY_RATE_MODE = 1
export const DNY_ENERGY_RATE_MODE = 2

/** 0x8A mode: 0 time without stop-when-full, 1 time with it, 2 energy with it. */
export const DNY_MODIFY_MODES = [0, 1, 2] as const

/** Account status of the 0x02 reply (each plays a voice prompt at the pile). */
export const DNY_ACCOUNT_STATUSES = {
  0x00: 'ok',
  0x01: 'unregistered',
  0x02: 'bind_card',
  0x03: 'unbind_card',
  0x04: 'monthly_already_charging',
  0x05: 'monthly_count_exceeded',
  0x06: 'insufficient_balance',
  0x07: 'monthly_expired',
  0x08: 'port_fault',
  0x09: 'clear_balance_card',
  0x0a: 'monthly_duration_exceeded',
  0x0b: 'wrong_account',
  0x0c: 'device_unregistered',
  0x0d: 'buy_monthly',
  0x0e: 'cross_area_insufficient_balance',
  0x0f: 'monthly_device',
  0x10: 'monthly_device_cross_area',
  0x11: 'temporary_device',
  0x12: 'temporary_device_cross_area',
} as const

/** Result of a 0x82 start/stop. */
export const DNY_CHARGE_CONTROL_RESULTS = {
  0x00: 'ok',
  0x01: 'no_charger',
  0x02: 'already_in_state',
  0x03: 'port_fault',
  0x04: 'no_such_port',
  0x05: 'several_ports_waiting',
  0x06: 'power_over_limit',
  0x07: 'memory_fault',
  0x08: 'precheck_relay_or_fuse_fault',
  0x09: 'precheck_relay_welded',
  0x0a: 'precheck_short_circuit',
  0x0b: 'smoke_alarm',
  0x0c: 'over_voltage',
  0x0d: 'under_voltage',
  0x0e: 'no_response',
} as const

/** Result of a 0x8A duration/energy change. */
export const DNY_MODIFY_RESULTS = {
  0x00: 'ok',
  0x01: 'port_not_charging',
  0x02: 'below_current_value',
  0x03: 'no_such_mode_or_port',
} as const

export function codesOf(table: Record<number, string>) {
  return Object.keys(table).map(Number)
}
