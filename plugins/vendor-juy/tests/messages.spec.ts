import { test } from '@japa/runner'
import { JuyFrameDecoder } from '../protocol/frame_decoder.js'
import type { JuyFrame } from '../protocol/frame.js'
import {
  decodeDeviceMessage,
  decodeServerMessage,
  encodeDeviceMessage,
  encodeDeviceMqttMessage,
  encodeServerMessage,
  encodeServerMqttMessage,
  type JuyCodecOptions,
  type JuyDeviceMessage,
  type JuyServerMessage,
} from '../protocol/codec.js'
import { readDeviceMqttFrame, readServerMqttFrame } from '../protocol/mqtt.js'
import { hex, juyFrame } from './helpers.js'

/*
 * Sample frames of the vendor's "TCP 通信协议" V1.2 that pass their sum
 * (see ../protocol/README.md; the published samples that do not are left
 * out, except where a test shows they are refused).
 */
const DOC = {
  login:
    '5AA5490081003836313139373036323933343338370A4A55595F42325F513830304D5F315F304A55595F42325F434F4D4D5F56312E3738393836303445383130323343303936333733311B005F',
  loginReply: '5A A5 0C 00 81 00 00 00 00 00 00 00 00 00 F0 7D',
  heartbeatReply: '5A A5 04 00 82 00 00 86',
  heartbeatReplyWithImei: '5A A5 13 00 82 00 383637393234303630353235373039 00 AB',
  stop: '5A A5 08 00 84 00 02 01 00 00 00 8F',
  stopWithImei: '5A A5 17 00 84 00 383637393234303630353235373039 02 01 00 00 00 B4',
  /** The published 0x83 sample with the amount's missing fourth byte restored. */
  start: '5A A5 16 00 83 00 02 01000000 01 00000000 01 E8030000 64000000 ED',
  queryParameters: '5A A5 04 00 89 00 00 8D',
  /** The 0x89 reply, field by field as the document lists it. */
  parameters: [
    '5aa5 4700 89 00',
    '00 f000 0000 0a00',
    'c800 2c01 f401 2003 e803 dc05 d007 c409',
    '1400 1900 1e00 3c00 5a00 6400 9b00 ff00',
    '0f 7800 00 5a 00 08 00000000 00 7800 7800 00 02',
    '0000000000000000000000',
    '01',
  ].join(''),
}

const IMEI = '867924060525709'
const TCP = { imei: null }
const WITH_IMEI = { imei: IMEI }

/** One frame through the stream decoder, as the gateway will see it. */
function frameOf(bytes: Buffer, imeiHeader = false): JuyFrame {
  const items = new JuyFrameDecoder({ imeiHeader }).push(bytes)
  if (items.length !== 1 || items[0].kind !== 'frame') {
    throw new Error(`expected one frame, got ${JSON.stringify(items)}`)
  }
  return items[0].frame
}

async function deviceMessage(bytes: Buffer, options: JuyCodecOptions = {}, imeiHeader = false) {
  const result = await decodeDeviceMessage(frameOf(bytes, imeiHeader), options)
  if (!result.ok) throw new Error(`refused: ${result.reason} ${result.detail}`)
  return result.message
}

async function serverMessage(bytes: Buffer, options: JuyCodecOptions = {}, imeiHeader = false) {
  const result = await decodeServerMessage(frameOf(bytes, imeiHeader), options)
  if (!result.ok) throw new Error(`refused: ${result.reason} ${result.detail}`)
  return result.message
}

/** The document's 0x89 sample, less its prices (fen or percent by billing mode). */
const TABLE = {
  billingMode: 0,
  coinChargeMinutes: 240,
  cardChargeMinutes: 0,
  cardFeeFen: 10,
  tierPowersWatts: [200, 300, 500, 800, 1000, 1500, 2000, 2500],
  floatPowerWatts: 15,
  floatMinutes: 120,
  freeMode: false,
  temperatureAlarmCelsius: 90,
  smokeAlarm: false,
  volume: 8,
  usedEnergyWattHours: 0,
  stopWhenFull: true,
  plugWaitSeconds: 120,
  unplugWaitSeconds: 120,
  icCardType: 0,
  removalPowerWatts: 2,
}
const PARAMETERS = { ...TABLE, tierPricesFen: [20, 25, 30, 60, 90, 100, 155, 255] }

test.group('vendor-juy protocol: the document sample frames', () => {
  test('0x81 login, byte for byte both ways', async ({ assert }) => {
    const login = await deviceMessage(hex(DOC.login))
    assert.deepEqual(login, {
      type: 'login',
      imei: '861197062934387',
      portCount: 10,
      hardwareVersion: 'JUY_B2_Q800M_1_0',
      softwareVersion: 'JUY_B2_COMM_V1.7',
      ccid: '898604E81023C0963731',
      signal: 0x1b,
      protocolVersion: null,
      reason: 0,
    })
    // The login never carries the IMEI header, even when the connection has it on.
    assert.deepEqual(encodeDeviceMessage(WITH_IMEI, login), hex(DOC.login))
    assert.deepEqual(await deviceMessage(hex(DOC.login), {}, true), login)
  })

  test('0x81 login reply with F0, which switches the pile to the IMEI header', async ({
    assert,
  }) => {
    const reply: JuyServerMessage = {
      type: 'login_reply',
      timeBcd: '00000000000000',
      heartbeatSeconds: 0,
      result: 0xf0,
    }
    assert.deepEqual(encodeServerMessage(WITH_IMEI, reply), hex(DOC.loginReply))
    assert.deepEqual(await serverMessage(hex(DOC.loginReply)), reply)
  })

  test('0x82 heartbeat reply, without and with the IMEI header', async ({ assert }) => {
    const reply: JuyServerMessage = { type: 'heartbeat_reply' }
    assert.deepEqual(encodeServerMessage(TCP, reply), hex(DOC.heartbeatReply))
    assert.deepEqual(encodeServerMessage(WITH_IMEI, reply), hex(DOC.heartbeatReplyWithImei))
    const frame = frameOf(hex(DOC.heartbeatReplyWithImei), true)
    assert.equal(frame.imei, IMEI)
    assert.deepEqual(await serverMessage(hex(DOC.heartbeatReplyWithImei), {}, true), reply)
  })

  test('0x84 stop, without and with the IMEI header', async ({ assert }) => {
    const stop: JuyServerMessage = { type: 'stop', port: 2, orderNo: 1 }
    assert.deepEqual(encodeServerMessage(TCP, stop), hex(DOC.stop))
    assert.deepEqual(encodeServerMessage(WITH_IMEI, stop), hex(DOC.stopWithImei))
    assert.deepEqual(await serverMessage(hex(DOC.stopWithImei), {}, true), stop)
  })

  test('0x83 start: QR, stop when full with a 1000 s cap, 1 yuan available', async ({ assert }) => {
    const start: JuyServerMessage = {
      type: 'start',
      port: 2,
      orderNo: 1,
      startMode: 1,
      cardNumber: 0,
      chargeType: 1,
      durationSeconds: 1000,
      availableFen: 100,
    }
    assert.deepEqual(encodeServerMessage(TCP, start), hex(DOC.start))
    assert.deepEqual(await serverMessage(hex(DOC.start)), start)
  })

  test('0x89 query and the parameter table it returns, both ways', async ({ assert }) => {
    assert.deepEqual(
      encodeServerMessage(TCP, { type: 'query_parameters' }),
      hex(DOC.queryParameters)
    )
    const parameters = await deviceMessage(hex(DOC.parameters))
    assert.deepEqual(parameters, { type: 'parameters', ...PARAMETERS })
    assert.deepEqual(encodeDeviceMessage(TCP, parameters), hex(DOC.parameters))
  })
})

test.group('vendor-juy protocol: frames built by hand', () => {
  test('0x82 heartbeat with a status per port', async ({ assert }) => {
    const frame = juyFrame(0x82, '0E 22 04 00 01 02 04', { imei: IMEI })
    const heartbeat: JuyDeviceMessage = {
      type: 'heartbeat',
      signal: 14,
      temperatureCelsius: 34,
      portCount: 4,
      portStatuses: [0, 1, 2, 4],
    }
    assert.deepEqual(await deviceMessage(frame, { portCount: 4 }, true), heartbeat)
    assert.deepEqual(encodeDeviceMessage(WITH_IMEI, heartbeat), frame)
  })

  test('0x83 starts by amount, time and energy, and the device replies', async ({ assert }) => {
    const byAmount = juyFrame(0x83, '03 39300000 02 78563412 02 C8000000 F4010000')
    const message: JuyServerMessage = {
      type: 'start',
      port: 3,
      orderNo: 12345,
      startMode: 2,
      cardNumber: 0x12345678,
      chargeType: 2,
      amountFen: 200,
      availableFen: 500,
    }
    assert.deepEqual(encodeServerMessage(TCP, message), byAmount)
    assert.deepEqual(await serverMessage(byAmount), message)
    const byEnergy = juyFrame(0x83, '01 02000000 03 00000000 04 64000000 00000000')
    assert.deepEqual(await serverMessage(byEnergy), {
      type: 'start',
      port: 1,
      orderNo: 2,
      startMode: 3,
      cardNumber: 0,
      chargeType: 4,
      energyWattHours: 1000,
      availableFen: 0,
    })
    const milli = await serverMessage(byEnergy, { energyUnit: 'milli_kwh' })
    assert.equal(milli.type === 'start' && milli.energyWattHours, 100)
    const reply = juyFrame(0x83, '03 39300000 02 01')
    assert.deepEqual(await deviceMessage(reply), {
      type: 'start_reply',
      port: 3,
      orderNo: 12345,
      startMode: 2,
      result: 1,
    })
  })

  test('0x85 end report in both tier layouts, and its ack', async ({ assert }) => {
    const head = '01 01000000 E8030000 10000000 0A000000 00 0F00 00000000 02'
    const interleaved = juyFrame(0x85, `${head} F401 1900 F401 1E00 ${'00'.repeat(8)}`)
    const grouped = juyFrame(0x85, `${head} F401 F401 1900 1E00 ${'00'.repeat(8)}`)
    const report: JuyDeviceMessage = {
      type: 'end_report',
      port: 1,
      orderNo: 1,
      durationSeconds: 1000,
      energyWattHours: 160,
      amountFen: 10,
      stopReason: 0,
      stopPowerWatts: 15,
      cardNumber: 0,
      tiers: [
        { durationSeconds: 500, priceFen: 25 },
        { durationSeconds: 500, priceFen: 30 },
      ],
    }
    assert.deepEqual(await deviceMessage(interleaved), report)
    assert.deepEqual(await deviceMessage(grouped, { tierLayout: 'grouped' }), report)
    assert.deepEqual(encodeDeviceMessage(TCP, report), interleaved)
    assert.deepEqual(encodeDeviceMessage(TCP, report, { tierLayout: 'grouped' }), grouped)
    assert.deepEqual(
      encodeServerMessage(TCP, { type: 'end_report_ack', port: 1, orderNo: 1 }),
      juyFrame(0x85, '01 01000000')
    )
  })

  test('0x87 card auth, a balance reply and a day-pass reply', async ({ assert }) => {
    assert.deepEqual(await deviceMessage(juyFrame(0x87, '05 78563412 01')), {
      type: 'card_auth',
      port: 5,
      cardNumber: 0x12345678,
      operation: 1,
    })
    const balance: JuyServerMessage = {
      type: 'card_auth_reply',
      port: 5,
      cardNumber: 0x12345678,
      balanceFen: 1234,
      result: 0,
    }
    const days: JuyServerMessage = {
      type: 'card_auth_reply',
      port: 5,
      cardNumber: 0x12345678,
      daysLeft: 30,
      result: 7,
    }
    assert.deepEqual(encodeServerMessage(TCP, balance), juyFrame(0x87, '05 78563412 D2040000 00'))
    assert.deepEqual(encodeServerMessage(TCP, days), juyFrame(0x87, '05 78563412 1E000000 07'))
    assert.deepEqual(await serverMessage(juyFrame(0x87, '05 78563412 1E000000 07')), days)
  })

  test('0x88 port data for two ports in use', async ({ assert }) => {
    const frame = juyFrame(
      0x88,
      [
        '02 9808 1E',
        '01 02 1E00 E001 100E0000 0F00 30000000 21',
        '05 00 1400 3C00 3C000000 0100 01000000 1F',
      ].join(' ')
    )
    const report: JuyDeviceMessage = {
      type: 'port_data',
      voltageDecivolts: 2200,
      temperatureCelsius: 30,
      ports: [
        {
          port: 1,
          tier: 2,
          priceFen: 30,
          powerWatts: 480,
          durationSeconds: 3600,
          amountFen: 15,
          energyWattHours: 480,
          temperatureCelsius: 33,
        },
        {
          port: 5,
          tier: 0,
          priceFen: 20,
          powerWatts: 60,
          durationSeconds: 60,
          amountFen: 1,
          energyWattHours: 10,
          temperatureCelsius: 31,
        },
      ],
    }
    assert.deepEqual(await deviceMessage(frame, { portCount: 10 }), report)
    assert.deepEqual(encodeDeviceMessage(TCP, report), frame)
    assert.deepEqual(encodeServerMessage(TCP, { type: 'query_port_data' }), juyFrame(0x88, '00'))
  })

  test('0x8A set parameters in discount billing, stop-when-full off; and its reply', async ({
    assert,
  }) => {
    const message: JuyServerMessage = {
      type: 'set_parameters',
      ...TABLE,
      billingMode: 1,
      tierDiscountPercents: [100, 100, 90, 90, 80, 80, 70, 60],
      stopWhenFull: false,
      smokeAlarm: true,
    }
    const bytes = encodeServerMessage(WITH_IMEI, message)
    assert.equal(bytes.readUInt16LE(2), 3 + 15 + 68)
    assert.deepEqual(await serverMessage(bytes, {}, true), message)
    assert.deepEqual(await deviceMessage(juyFrame(0x8a, '00')), { type: 'set_parameters_reply' })
  })

  test('over MQTT: no IMEI in the payload, the topic carries it', async ({ assert }) => {
    const stop = encodeServerMqttMessage(IMEI, { type: 'stop', port: 2, orderNo: 1 })
    assert.deepEqual(stop, { topic: `JUY/S2D/${IMEI}/84/SERVER`, payload: hex(DOC.stop) })
    const received = readServerMqttFrame(stop.topic, stop.payload)
    assert.isTrue(received.ok)
    if (received.ok) {
      assert.equal(received.frame.imei, IMEI)
      assert.deepEqual(await decodeServerMessage(received.frame), {
        ok: true,
        message: { type: 'stop', port: 2, orderNo: 1 },
      })
    }
    const login = await deviceMessage(hex(DOC.login))
    const sent = encodeDeviceMqttMessage('861197062934387', login, { commandFormat: 'decimal' })
    assert.equal(sent.topic, 'JUY/D2S/861197062934387/129/DEV')
    assert.deepEqual(sent.payload, hex(DOC.login))
    const back = readDeviceMqttFrame(sent.topic, sent.payload, { commandFormat: 'decimal' })
    const decoded = back.ok ? await decodeDeviceMessage(back.frame) : back
    assert.isTrue(decoded.ok)
  })

  test('every message of both directions survives a round trip through bytes', async ({
    assert,
  }) => {
    const device: JuyDeviceMessage[] = [
      {
        type: 'login',
        imei: IMEI,
        portCount: 2,
        hardwareVersion: 'HW',
        softwareVersion: '',
        ccid: '8986043910188012345',
        signal: null,
        protocolVersion: 0x64,
        reason: 1,
      },
      { type: 'heartbeat', signal: 99, temperatureCelsius: 0, portCount: 1, portStatuses: [3] },
      { type: 'stop_reply', port: 2, orderNo: 0xffffffff, result: 2 },
      {
        type: 'end_report',
        port: 2,
        orderNo: 7,
        durationSeconds: 0,
        energyWattHours: 0,
        amountFen: 0,
        stopReason: 9,
        stopPowerWatts: 0,
        cardNumber: 1,
        tiers: [],
      },
      {
        type: 'local_start',
        port: 1,
        orderNo: 8,
        startMode: 2,
        amountFen: 100,
        cardBalanceFen: 0,
        cardNumber: 0,
      },
      { type: 'card_auth', port: 2, cardNumber: 9, operation: 3 },
      { type: 'port_data', voltageDecivolts: 0, temperatureCelsius: 0, ports: [] },
    ]
    const server: JuyServerMessage[] = [
      { type: 'login_reply', timeBcd: '20241010123000', heartbeatSeconds: 250, result: 1 },
      {
        type: 'start',
        port: 2,
        orderNo: 3,
        startMode: 3,
        cardNumber: 0,
        chargeType: 5,
        parameter: 42,
        availableFen: 0,
      },
      {
        type: 'start',
        port: 2,
        orderNo: 4,
        startMode: 1,
        cardNumber: 0,
        chargeType: 3,
        durationSeconds: 7200,
        availableFen: 300,
      },
      { type: 'local_start_ack', port: 1, orderNo: 8 },
      {
        type: 'card_auth_reply',
        port: 2,
        cardNumber: 9,
        balanceFen: 0,
        result: 5,
      },
      { type: 'set_parameters', ...PARAMETERS },
    ]
    for (const message of device) {
      for (const header of [TCP, WITH_IMEI]) {
        const bytes = encodeDeviceMessage(header, message)
        const imeiHeader = header.imei !== null
        assert.deepEqual(
          await deviceMessage(bytes, { portCount: 2 }, imeiHeader),
          message,
          message.type
        )
      }
    }
    for (const message of server) {
      for (const header of [TCP, WITH_IMEI]) {
        const bytes = encodeServerMessage(header, message)
        const imeiHeader = header.imei !== null
        assert.deepEqual(
          await serverMessage(bytes, { portCount: 2 }, imeiHeader),
          message,
          message.type
        )
      }
    }
  })
})

test.group('vendor-juy protocol: refusals, one frame at a time', () => {
  async function refusal(bytes: Buffer, options: JuyCodecOptions = {}) {
    const result = await decodeDeviceMessage(frameOf(bytes), options)
    if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.message)}`)
    return result
  }

  test('a port above the pile port count', async ({ assert }) => {
    const frame = juyFrame(0x84, '03 01000000 00')
    const result = await refusal(frame, { portCount: 2 })
    assert.equal(result.reason, 'invalid')
    assert.match(result.detail, /port.*above the pile's port count \(2\)/)
    const accepted = await deviceMessage(frame, { portCount: 3 })
    assert.equal(accepted.type, 'stop_reply')
  })

  test('codes outside the tables: a port status, a stop reason, a start result', async ({
    assert,
  }) => {
    const status = await refusal(juyFrame(0x82, '0E 22 02 00 05'))
    assert.match(status.detail, /portStatuses\.1/)
    const reason = await refusal(
      juyFrame(0x85, `01 01000000 00000000 00000000 00000000 0A 0000 00000000 00 ${'00'.repeat(8)}`)
    )
    assert.match(reason.detail, /stopReason/)
    const result = await refusal(juyFrame(0x83, '01 01000000 01 03'))
    assert.equal(result.reason, 'invalid')
    assert.match(result.detail, /result/)
  })

  test('a login whose IMEI is not 15 digits, and one with a bad ICCID', async ({ assert }) => {
    const login = hex(DOC.login)
    const badImei = juyFrame(0x81, `41${login.subarray(7, -1).toString('hex')}`)
    const imei = await refusal(badImei)
    assert.match(imei.detail, /imei/)
    const data = Buffer.from(login.subarray(6, -1))
    data.fill(0x2d, 48, 50)
    const ccid = await refusal(juyFrame(0x81, data.toString('hex')))
    assert.match(ccid.detail, /ccid/)
  })

  test('a body cut short names the field it misses', async ({ assert }) => {
    const result = await refusal(
      juyFrame(0x85, '01 01000000 E8030000 10000000 0A000000 00 0F00 00000000 02 F401 1900')
    )
    assert.equal(result.reason, 'truncated')
    assert.match(result.detail, /tiers\.1\.durationSeconds: needs 2 byte\(s\), 0 left/)
  })

  test('a command this codec does not know', async ({ assert }) => {
    const result = await refusal(juyFrame(0xf5, '00'))
    assert.equal(result.reason, 'unknown_command')
    assert.equal(result.command, 0xf5)
  })

  test('encoders refuse what cannot go on the wire', ({ assert }) => {
    const start: JuyServerMessage = {
      type: 'start',
      port: 1,
      orderNo: 1,
      startMode: 1,
      cardNumber: 0,
      chargeType: 2,
      durationSeconds: 60,
      availableFen: 0,
    }
    assert.throws(() => encodeServerMessage(TCP, start), /charge type 2 needs amountFen/)
    assert.throws(
      () => encodeServerMessage(TCP, { ...start, chargeType: 4, energyWattHours: 15 }),
      /15 Wh is not a whole number of centi_kwh/
    )
    assert.throws(
      () => encodeServerMessage({ imei: '123' }, { type: 'heartbeat_reply' }),
      /IMEI must be 15 digits/
    )
    assert.throws(
      () =>
        encodeServerMessage(TCP, {
          type: 'set_parameters',
          ...PARAMETERS,
          tierPowersWatts: [200],
        }),
      /8 tiers/
    )
  })
})
