import { vine } from '#sdk/schema'
import type { ByteReader, ByteWriter } from '#sdk/bytes'
import {
  JUY_BILLING_MODES,
  JUY_DISCOUNT_BILLING,
  JUY_IC_CARD_TYPES,
  JUY_TIER_COUNT,
  codesOf,
} from './codes.js'
import { energyFromWire, energyToWire, rules, type JuyCodecMeta } from './message_definition.js'

/**
 * The 68-byte device parameter table: read by 0x89, written by 0x8A. The
 * document's 0x89 reply sample follows this layout and passes its sum.
 */

const RESERVED_BYTES = 11
/** Bit 0 of the switch byte: 1 turns stop-when-full off. Bits 1-7 are not documented. */
const NO_STOP_WHEN_FULL = 0x01

const tiers = <Schema extends ReturnType<typeof rules.u16>>(rule: Schema) =>
  vine.array(rule).fixedLength(JUY_TIER_COUNT)

export const parameterTableSchema = {
  billingMode: rules.code(codesOf(JUY_BILLING_MODES)),
  /** One coin buys this long, as does one press in free mode (default 240). */
  coinChargeMinutes: rules.u16(),
  /** Not supported by the firmware, says the document. */
  cardChargeMinutes: rules.u16(),
  /** Not supported by the firmware, says the document. */
  cardFeeFen: rules.u16(),
  /** Upper power bound of tiers 1-8 (default 200/300/500/800/1000/1500/2000/2500). */
  tierPowersWatts: tiers(rules.u16()),
  /** Hourly billing: the price of an hour in each tier. */
  tierPricesFen: tiers(rules.u16()).optional(),
  /** Discount billing: the percentage charged in each tier. */
  tierDiscountPercents: tiers(rules.u16().max(100)).optional(),
  /** Float charging below this power (5-250, default 15). */
  floatPowerWatts: rules.u8().min(5).max(250),
  /** Float charging lasts this long (never 0, default 120). */
  floatMinutes: rules.u16().min(1),
  /** A key press starts a free charge. */
  freeMode: vine.boolean(),
  temperatureAlarmCelsius: rules.u8(),
  smokeAlarm: vine.boolean(),
  volume: rules.u8().max(9),
  /** "Not used", says the document's sample. */
  usedEnergyWattHours: rules.energy(),
  stopWhenFull: vine.boolean(),
  /** Time to plug a charger in once a port is opened (default 120). */
  plugWaitSeconds: rules.u16(),
  /** Time the port waits after the charger is removed (default 120). */
  unplugWaitSeconds: rules.u16(),
  icCardType: rules.code(codesOf(JUY_IC_CARD_TYPES)),
  /** Below this power the charger counts as removed (1-50); 0 from firmware before V0.7. */
  removalPowerWatts: rules.u8().max(50),
}

export interface ParameterTable {
  billingMode: number
  coinChargeMinutes: number
  cardChargeMinutes: number
  cardFeeFen: number
  tierPowersWatts: number[]
  tierPricesFen?: number[]
  tierDiscountPercents?: number[]
  floatPowerWatts: number
  floatMinutes: number
  freeMode: boolean
  temperatureAlarmCelsius: number
  smokeAlarm: boolean
  volume: number
  usedEnergyWattHours: number
  stopWhenFull: boolean
  plugWaitSeconds: number
  unplugWaitSeconds: number
  icCardType: number
  removalPowerWatts: number
}

function readTiers(reader: ByteReader, field: string) {
  return Array.from({ length: JUY_TIER_COUNT }, (_, index) => reader.u16(`${field}.${index}`))
}

export function readParameterTable(reader: ByteReader, meta: JuyCodecMeta): ParameterTable {
  const billingMode = reader.u8('billingMode')
  const coinChargeMinutes = reader.u16('coinChargeMinutes')
  const cardChargeMinutes = reader.u16('cardChargeMinutes')
  const cardFeeFen = reader.u16('cardFeeFen')
  const tierPowersWatts = readTiers(reader, 'tierPowersWatts')
  const prices = readTiers(reader, 'tierPrices')
  return {
    billingMode,
    coinChargeMinutes,
    cardChargeMinutes,
    cardFeeFen,
    tierPowersWatts,
    ...(billingMode === JUY_DISCOUNT_BILLING
      ? { tierDiscountPercents: prices }
      : { tierPricesFen: prices }),
    floatPowerWatts: reader.u8('floatPowerWatts'),
    floatMinutes: reader.u16('floatMinutes'),
    freeMode: reader.u8('freeMode') === 1,
    temperatureAlarmCelsius: reader.u8('temperatureAlarmCelsius'),
    smokeAlarm: reader.u8('smokeAlarm') === 1,
    volume: reader.u8('volume'),
    usedEnergyWattHours: energyFromWire(reader.u32('usedEnergy'), meta),
    stopWhenFull: (reader.u8('switches') & NO_STOP_WHEN_FULL) === 0,
    plugWaitSeconds: reader.u16('plugWaitSeconds'),
    unplugWaitSeconds: reader.u16('unplugWaitSeconds'),
    icCardType: reader.u8('icCardType'),
    removalPowerWatts: reader.u8('removalPowerWatts'),
  }
}

export function writeParameterTable(writer: ByteWriter, table: ParameterTable, meta: JuyCodecMeta) {
  const discount = table.billingMode === JUY_DISCOUNT_BILLING
  const prices = discount ? table.tierDiscountPercents : table.tierPricesFen
  if (!prices) {
    throw new RangeError(
      discount ? 'tierDiscountPercents is required' : 'tierPricesFen is required'
    )
  }
  writer.u8(table.billingMode).u16(table.coinChargeMinutes).u16(table.cardChargeMinutes)
  writer.u16(table.cardFeeFen)
  for (const tier of [...fixedTiers(table.tierPowersWatts), ...fixedTiers(prices)]) writer.u16(tier)
  writer
    .u8(table.floatPowerWatts)
    .u16(table.floatMinutes)
    .u8(table.freeMode ? 1 : 0)
  writer
    .u8(table.temperatureAlarmCelsius)
    .u8(table.smokeAlarm ? 1 : 0)
    .u8(table.volume)
  writer.u32(energyToWire(table.usedEnergyWattHours, meta))
  writer.u8(table.stopWhenFull ? 0 : NO_STOP_WHEN_FULL)
  writer.u16(table.plugWaitSeconds).u16(table.unplugWaitSeconds)
  writer.u8(table.icCardType).u8(table.removalPowerWatts).zeros(RESERVED_BYTES)
}

function fixedTiers(values: number[]) {
  if (values.length !== JUY_TIER_COUNT) {
    throw new RangeError(`the parameter table has ${JUY_TIER_COUNT} tiers, got ${values.length}`)
  }
  return values
}
