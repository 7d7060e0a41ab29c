import { vine } from '#sdk/schema'
import { messageCodec } from '#sdk/messages'

/**
 * How the 0x85 tier data is laid out: the document's table puts N times and
 * then N prices (`grouped`); its sample and the sample's explanation give
 * (time, price) pairs (`interleaved`).
 */
export type JuyTierLayout = 'interleaved' | 'grouped'

/**
 * The wire unit of energy: every field table says 0.01 kWh, the V1.1
 * change log says "电量精度改为 0.001 度". Objects always hold watt-hours.
 */
export type JuyEnergyUnit = 'centi_kwh' | 'milli_kwh'

/** Choices the document leaves open, per pile model or firmware. */
export interface JuyCodecOptions {
  /** The pile's port count once known (from its 0x81 login); ports above it are refused. */
  portCount?: number
  tierLayout?: JuyTierLayout
  energyUnit?: JuyEnergyUnit
}

/** What reading, writing and validating know about the pile. */
export interface JuyCodecMeta {
  portCount: number
  tierLayout: JuyTierLayout
  energyUnit: JuyEnergyUnit
}

/** Ports are one byte: when the pile's count is not known, any port a byte allows. */
export const JUY_MAX_PORTS = 0xff

export function codecMeta(options: JuyCodecOptions = {}): JuyCodecMeta {
  return {
    portCount: options.portCount ?? JUY_MAX_PORTS,
    tierLayout: options.tierLayout ?? 'interleaved',
    energyUnit: options.energyUnit ?? 'centi_kwh',
  }
}

const WATT_HOURS_PER_UNIT: Record<JuyEnergyUnit, number> = { centi_kwh: 10, milli_kwh: 1 }

export function energyFromWire(value: number, meta: JuyCodecMeta) {
  return value * WATT_HOURS_PER_UNIT[meta.energyUnit]
}

/** Watt-hours the wire unit cannot hold are a programming error. */
export function energyToWire(wattHours: number, meta: JuyCodecMeta) {
  const perUnit = WATT_HOURS_PER_UNIT[meta.energyUnit]
  if (wattHours % perUnit !== 0) {
    throw new RangeError(`${wattHours} Wh is not a whole number of ${meta.energyUnit}`)
  }
  return wattHours / perUnit
}

/** A port, 1-based as on the wire, within the pile's port count. */
const withinPortCount = vine.createRule((value, _options, field) => {
  const portCount = (field.meta as JuyCodecMeta).portCount
  if (typeof value === 'number' && value > portCount) {
    field.report(
      `The {{ field }} field is above the pile's port count (${portCount})`,
      'portCount',
      field
    )
  }
})

export const rules = {
  u8: () => vine.number().withoutDecimals().min(0).max(0xff),
  u16: () => vine.number().withoutDecimals().min(0).max(0xffff),
  u32: () => vine.number().withoutDecimals().min(0).max(0xffffffff),
  /** Watt-hours from a u32 in either wire unit. */
  energy: () =>
    vine
      .number()
      .withoutDecimals()
      .min(0)
      .max(0xffffffff * 10),
  port: () => vine.number().withoutDecimals().min(1).use(withinPortCount()),
  portCount: () => vine.number().withoutDecimals().min(1).use(withinPortCount()),
  imei: () => vine.string().regex(/^\d{15}$/),
  code: <const Codes extends readonly number[]>(codes: Codes) => vine.enum(codes),
}

export const { defineMessage, messageTable } = messageCodec<JuyCodecMeta>()
