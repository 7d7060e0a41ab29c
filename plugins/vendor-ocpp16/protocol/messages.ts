import { vine, errors } from '#sdk/schema'
import type { Infer, SchemaTypes } from '#sdk/schema'
import { OcppCallError, type OcppErrorCode, type OcppPayload } from './frames.js'

/*
| The OCPP 1.6 payloads we handle, as VineJS schemas following the
| specification's JSON schemas (field names, enums, CiString lengths).
| Unknown properties are dropped, not refused: chargers add vendor fields.
*/

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/

const ciString = (max: number) => vine.string().maxLength(max)
const integer = () => vine.number({ strict: true }).withoutDecimals()
const dateTime = () => vine.string().regex(ISO_DATE_TIME).use(validDate())

const validDate = vine.createRule((value, _options, field) => {
  if (typeof value === 'string' && Number.isNaN(Date.parse(value))) {
    field.report('The {{ field }} field is not a valid date-time', 'dateTime', field)
  }
})

export const AUTHORIZATION_STATUSES = [
  'Accepted',
  'Blocked',
  'Expired',
  'Invalid',
  'ConcurrentTx',
] as const

const idTagInfo = () =>
  vine.object({
    status: vine.enum(AUTHORIZATION_STATUSES),
    expiryDate: dateTime().optional(),
    parentIdTag: ciString(20).optional(),
  })

export const CHARGE_POINT_STATUSES = [
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEVSE',
  'SuspendedEV',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
] as const

export const CHARGE_POINT_ERROR_CODES = [
  'ConnectorLockFailure',
  'EVCommunicationError',
  'GroundFailure',
  'HighTemperature',
  'InternalError',
  'LocalListConflict',
  'NoError',
  'OtherError',
  'OverCurrentFailure',
  'PowerMeterFailure',
  'PowerSwitchFailure',
  'ReaderFailure',
  'ResetFailure',
  'UnderVoltage',
  'OverVoltage',
  'WeakSignal',
] as const

export const STOP_REASONS = [
  'EmergencyStop',
  'EVDisconnected',
  'HardReset',
  'Local',
  'Other',
  'PowerLoss',
  'Reboot',
  'Remote',
  'SoftReset',
  'UnlockCommand',
  'DeAuthorized',
] as const

const sampledValue = () =>
  vine.object({
    value: vine.string(),
    context: vine
      .enum([
        'Interruption.Begin',
        'Interruption.End',
        'Sample.Clock',
        'Sample.Periodic',
        'Transaction.Begin',
        'Transaction.End',
        'Trigger',
        'Other',
      ])
      .optional(),
    format: vine.enum(['Raw', 'SignedData']).optional(),
    measurand: vine.string().maxLength(50).optional(),
    phase: vine.string().maxLength(10).optional(),
    location: vine.enum(['Cable', 'EV', 'Inlet', 'Outlet', 'Body']).optional(),
    unit: vine.string().maxLength(20).optional(),
  })

const meterValue = () =>
  vine.object({
    timestamp: dateTime(),
    sampledValue: vine.array(sampledValue()).minLength(1),
  })

const statusOf = <const Values extends readonly string[]>(values: Values) =>
  vine.object({ status: vine.enum(values) })

const empty = () => vine.object({})

/** What a charge point sends to the central system, and what the central system answers. */
export const chargePointCalls = {
  BootNotification: {
    request: vine.object({
      chargePointVendor: ciString(20),
      chargePointModel: ciString(20),
      chargePointSerialNumber: ciString(25).optional(),
      chargeBoxSerialNumber: ciString(25).optional(),
      firmwareVersion: ciString(50).optional(),
      iccid: ciString(20).optional(),
      imsi: ciString(20).optional(),
      meterType: ciString(25).optional(),
      meterSerialNumber: ciString(25).optional(),
    }),
    confirmation: vine.object({
      status: vine.enum(['Accepted', 'Pending', 'Rejected']),
      currentTime: dateTime(),
      interval: integer().min(0),
    }),
  },
  Heartbeat: {
    request: empty(),
    confirmation: vine.object({ currentTime: dateTime() }),
  },
  StatusNotification: {
    request: vine.object({
      connectorId: integer().min(0),
      errorCode: vine.enum(CHARGE_POINT_ERROR_CODES),
      info: ciString(50).optional(),
      status: vine.enum(CHARGE_POINT_STATUSES),
      timestamp: dateTime().optional(),
      vendorId: ciString(255).optional(),
      vendorErrorCode: ciString(50).optional(),
    }),
    confirmation: empty(),
  },
  Authorize: {
    request: vine.object({ idTag: ciString(20) }),
    confirmation: vine.object({ idTagInfo: idTagInfo() }),
  },
  StartTransaction: {
    request: vine.object({
      connectorId: integer().min(1),
      idTag: ciString(20),
      meterStart: integer(),
      reservationId: integer().optional(),
      timestamp: dateTime(),
    }),
    confirmation: vine.object({ idTagInfo: idTagInfo(), transactionId: integer() }),
  },
  MeterValues: {
    request: vine.object({
      connectorId: integer().min(0),
      transactionId: integer().optional(),
      meterValue: vine.array(meterValue()).minLength(1),
    }),
    confirmation: empty(),
  },
  StopTransaction: {
    request: vine.object({
      idTag: ciString(20).optional(),
      meterStop: integer(),
      timestamp: dateTime(),
      transactionId: integer(),
      reason: vine.enum(STOP_REASONS).optional(),
      transactionData: vine.array(meterValue()).optional(),
    }),
    confirmation: vine.object({ idTagInfo: idTagInfo().optional() }),
  },
  /* Answered so chargers do not retry them; the core has no use for their content. */
  DataTransfer: {
    request: vine.object({
      vendorId: ciString(255),
      messageId: ciString(50).optional(),
      data: vine.any().optional(),
    }),
    confirmation: vine.object({
      status: vine.enum(['Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId']),
      data: vine.any().optional(),
    }),
  },
  DiagnosticsStatusNotification: {
    request: vine.object({ status: vine.string().maxLength(20) }),
    confirmation: empty(),
  },
  FirmwareStatusNotification: {
    request: vine.object({ status: vine.string().maxLength(30) }),
    confirmation: empty(),
  },
} as const

/** What the central system sends to a charge point, and what the charge point answers. */
export const centralSystemCalls = {
  RemoteStartTransaction: {
    request: vine.object({
      connectorId: integer().min(1).optional(),
      idTag: ciString(20),
      chargingProfile: vine.any().optional(),
    }),
    confirmation: statusOf(['Accepted', 'Rejected']),
  },
  RemoteStopTransaction: {
    request: vine.object({ transactionId: integer() }),
    confirmation: statusOf(['Accepted', 'Rejected']),
  },
  Reset: {
    request: vine.object({ type: vine.enum(['Hard', 'Soft']) }),
    confirmation: statusOf(['Accepted', 'Rejected']),
  },
  ChangeConfiguration: {
    request: vine.object({ key: ciString(50), value: ciString(500) }),
    confirmation: statusOf(['Accepted', 'Rejected', 'RebootRequired', 'NotSupported']),
  },
} as const

type Calls = typeof chargePointCalls & typeof centralSystemCalls
export type OcppAction = keyof Calls
export type ChargePointAction = keyof typeof chargePointCalls
export type CentralSystemAction = keyof typeof centralSystemCalls
export type OcppRequest<A extends OcppAction> = Infer<Calls[A]['request']>
export type OcppConfirmation<A extends OcppAction> = Infer<Calls[A]['confirmation']>

/** Every action of OCPP 1.6 (section 5 and 6): an action outside it is NotImplemented, inside it NotSupported. */
const OCPP16_ACTIONS = new Set([
  ...Object.keys(chargePointCalls),
  ...Object.keys(centralSystemCalls),
  'CancelReservation',
  'ChangeAvailability',
  'ClearCache',
  'ClearChargingProfile',
  'GetCompositeSchedule',
  'GetConfiguration',
  'GetDiagnostics',
  'GetLocalListVersion',
  'ReserveNow',
  'SendLocalList',
  'SetChargingProfile',
  'TriggerMessage',
  'UnlockConnector',
  'UpdateFirmware',
])

const validators = new Map<string, ReturnType<typeof vine.create>>()

function validatorOf(action: string, side: 'request' | 'confirmation', schema: SchemaTypes) {
  const key = `${action}.${side}`
  let validator = validators.get(key)
  if (!validator) {
    validator = vine.create(schema as any)
    validators.set(key, validator)
  }
  return validator
}

/** OCPP-J 4.2.3: which error code a schema violation is. */
function errorCodeOf(rule: string): OcppErrorCode {
  if (rule === 'required') return 'OccurenceConstraintViolation'
  if (['number', 'string', 'object', 'array', 'boolean', 'withoutDecimals'].includes(rule)) {
    return 'TypeConstraintViolation'
  }
  return 'PropertyConstraintViolation'
}

/**
 * Validates the payload of a call received on the given side; throws an
 * OcppCallError (the CALLERROR to send back) when the action is not ours
 * or the payload breaks its schema.
 */
export async function validateRequest(
  calls: typeof chargePointCalls | typeof centralSystemCalls,
  action: string,
  payload: OcppPayload
): Promise<OcppPayload> {
  const schemas = (calls as Record<string, { request: SchemaTypes }>)[action]
  if (!schemas) {
    throw OCPP16_ACTIONS.has(action)
      ? new OcppCallError('NotSupported', `${action} is not supported here`)
      : new OcppCallError('NotImplemented', `unknown action ${action}`)
  }
  return validatePayload(validatorOf(action, 'request', schemas.request), payload)
}

/** Validates the confirmation a peer sent for one of our calls. */
export async function validateConfirmation(action: OcppAction, payload: OcppPayload) {
  const all = { ...chargePointCalls, ...centralSystemCalls } as Record<
    string,
    { confirmation: SchemaTypes }
  >
  return validatePayload(validatorOf(action, 'confirmation', all[action].confirmation), payload)
}

async function validatePayload(
  validator: ReturnType<typeof vine.create>,
  payload: OcppPayload
): Promise<OcppPayload> {
  try {
    return (await validator.validate(payload)) as OcppPayload
  } catch (error) {
    if (!(error instanceof errors.E_VALIDATION_ERROR)) throw error
    const messages = error.messages as { field: string; rule: string; message: string }[]
    const first = messages[0]
    throw new OcppCallError(
      errorCodeOf(first.rule),
      messages.map((message) => message.message).join('; '),
      { field: first.field }
    )
  }
}
