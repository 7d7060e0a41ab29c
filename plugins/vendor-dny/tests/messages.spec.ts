import { test } from '@japa/runner'
import { DnyFrameDecoder } from '../protocol/frame_decoder.js'
import type { DnyFrame } from '../protocol/frame.js'
import {
  decodeDeviceMessage,
  decodeServerMessage,
  encodeDeviceMessage,
  encodeServerMessage,
  type DnyDeviceMessage,
  type DnyServerMessage,
} from '../protocol/codec.js'
import { dnyFrame, hex } from './helpers.js'

/*
 * Sample frames from the vendor's protocol document "电动自行车：设备-服务器
 * 通信协议指南 V8.6" (AP3000), as published in the public repository
 * taoyao-code/iot-zinx, docs/AP3000-设备与服务器通信协议.md. Every one of
 * them passes the documented checksum. Physical id 3B 37 AB 04 = type 04
 * (dual socket), number 11220795.
 */
const DOC = {
  register: '44 4E 59 13 00 3B 37 AB 04 B9 00 20 7E 00 02 14 21 00 00 00 E4 00 91 04',
  registerAck: '44 4E 59 0A 00 3B 37 AB 04 B9 00 20 00 EF 02',
  timeRequest: '44 4E 59 09 00 3B 37 AB 04 B9 00 22 F0 02',
  time: '44 4E 59 0D 00 3B 37 AB 04 B9 00 22 09 0E A9 5F 13 04',
  heartbeat: '44 4E 59 10 00 3B 37 AB 04 01 00 21 98 08 02 00 00 09 05 EE 02',
  heartbeatAck: '44 4E 59 0A 00 3B 37 AB 04 01 00 21 00 38 02',
  cardSwipe: '44 4E 59 11 00 3B 37 AB 04 01 00 02 7A 8D 05 DD 00 01 00 00 0A 04',
  cardReply: '44 4E 59 14 00 3B 37 AB 04 01 00 02 7A 8D 05 DD 00 00 10 27 00 00 01 44 04',
  settlement:
    '44 4E 59 28 00 3B 37 AB 04 01 00 03 10 0E E8 03 30 00 01 01 00 00 00 00 01 20 19 09 01 18 00 00 13 00 30 38 01 02 03 04 05 E8 03 44 05',
  settlementAck: '44 4E 59 0A 00 3B 37 AB 04 01 00 03 00 1A 02',
  portPower:
    '44 4E 59 32 00 3B 37 AB 04 0A 00 06 01 01 10 0E 30 00 01 E8 03 B0 04 20 03 E8 03 20 19 09 01 18 00 00 13 00 30 38 01 02 03 04 05 01 00 E8 03 98 08 C7 01 55 00 DA 08',
  chargeControl:
    '44 4E 59 26 00 3B 37 AB 04 02 00 82 00 64 01 00 00 01 01 00 00 12 34 56 78 12 34 56 78 12 34 56 78 12 34 56 78 80 70 88 13 F8 08',
  chargeControlReply:
    '44 4E 59 1D 00 3B 37 AB 04 02 00 82 00 12 34 56 78 12 34 56 78 12 34 56 78 12 34 56 78 01 00 00 FE 06',
  modifyCharge: '44 4E 59 0D 00 3B 37 AB 04 02 00 8A 00 01 80 70 96 03',
  modifyChargeReply: '44 4E 59 0A 00 3B 37 AB 04 02 00 8A 00 A2 02',
  setLimits: '44 4E 59 0D 00 3B 37 AB 04 02 00 85 A0 8C 20 4E 3A 04',
  setLimitsReply: '44 4E 59 0A 00 3B 37 AB 04 02 00 85 00 9D 02',
  reboot: '44 4E 59 09 00 3B 37 AB 04 01 00 87 9D 02',
  rebootReply: '44 4E 59 0A 00 3B 37 AB 04 01 00 87 00 9E 02',
}

const PHYSICAL_ID = 0x04ab373b
/** The same id as it travels: little-endian. */
const PILE = '3B 37 AB 04'
const ORDER = '20190901180000130030380102030405'
const SERVER_ORDER = '12345678123456781234567812345678'

/** One frame through the stream decoder, as the gateway will see it. */
function frameOf(bytes: Buffer): DnyFrame {
  const items = new DnyFrameDecoder().push(bytes)
  if (items.length !== 1 || items[0].kind !== 'frame') {
    throw new Error(`expected one frame, got ${JSON.stringify(items)}`)
  }
  return items[0].frame
}

async function deviceMessage(bytes: Buffer, portCount?: number) {
  const result = await decodeDeviceMessage(frameOf(bytes), { portCount })
  if (!result.ok) throw new Error(`refused: ${result.reason} ${result.detail}`)
  return result.message
}

async function serverMessage(bytes: Buffer) {
  const result = await decodeServerMessage(frameOf(bytes))
  if (!result.ok) throw new Error(`refused: ${result.reason} ${result.detail}`)
  return result.message
}

test.group('vendor-dny protocol: the document sample frames', () => {
  test('the frame header of a sample: physical id, message id, command', ({ assert }) => {
    const frame = frameOf(hex(DOC.register))
    assert.equal(frame.physicalId, PHYSICAL_ID)
    assert.equal(frame.messageId, 0xb9)
    assert.equal(frame.command, 0x20)
  })

  test('0x20 register, with trailing bytes a newer firmware added', async ({ assert }) => {
    assert.deepEqual(await deviceMessage(hex(DOC.register)), {
      type: 'register',
      firmwareVersion: 126,
      portCount: 2,
      virtualId: 0x14,
      deviceModel: 0x21,
      workMode: 0,
      powerBoardVersion: 0,
    })
    const ack = encodeServerMessage(
      { physicalId: PHYSICAL_ID, messageId: 0xb9 },
      { type: 'register_ack', result: 0 }
    )
    assert.deepEqual(ack, hex(DOC.registerAck))
  })

  test('0x22 time request and its reply', async ({ assert }) => {
    assert.deepEqual(await deviceMessage(hex(DOC.timeRequest)), { type: 'time_request' })
    const reply = encodeServerMessage(
      { physicalId: PHYSICAL_ID, messageId: 0xb9 },
      { type: 'time', unixSeconds: 0x5fa90e09 }
    )
    assert.deepEqual(reply, hex(DOC.time))
  })

  test('0x21 heartbeat: voltage, per-port status, signal, temperature less 65', async ({
    assert,
  }) => {
    assert.deepEqual(await deviceMessage(hex(DOC.heartbeat)), {
      type: 'heartbeat',
      voltageDecivolts: 2200,
      portCount: 2,
      portStatuses: [0, 0],
      signal: 9,
      temperatureCelsius: -60,
    })
    const ack = encodeServerMessage(
      { physicalId: PHYSICAL_ID, messageId: 1 },
      { type: 'heartbeat_ack', result: 0 }
    )
    assert.deepEqual(ack, hex(DOC.heartbeatAck))
  })

  test('0x02 card swipe (older firmware: no timestamp) and the reply with a balance', async ({
    assert,
  }) => {
    assert.deepEqual(await deviceMessage(hex(DOC.cardSwipe)), {
      type: 'card_swipe',
      cardUid: '7A8D05DD',
      cardType: 0,
      port: 2,
      cardBalanceFen: 0,
    })
    const reply = encodeServerMessage(
      { physicalId: PHYSICAL_ID, messageId: 1 },
      {
        type: 'card_reply',
        cardUid: '7A8D05DD',
        accountStatus: 0,
        rateMode: 0,
        balanceFen: 10000,
        port: 2,
      }
    )
    assert.deepEqual(reply, hex(DOC.cardReply))
  })

  test('0x03 settlement: units as sent, 16-byte order number, and its ack', async ({ assert }) => {
    const settlement = await deviceMessage(hex(DOC.settlement))
    assert.deepEqual(settlement, {
      type: 'settlement',
      durationSeconds: 3600,
      maxPowerDeciwatts: 1000,
      energyCentiKwh: 48,
      port: 2,
      startMode: 1,
      cardUid: '00000000',
      stopReason: 1,
      orderNo: ORDER,
      secondMaxPowerDeciwatts: 1000,
    })
    assert.deepEqual(
      encodeDeviceMessage({ physicalId: PHYSICAL_ID, messageId: 1 }, settlement),
      hex(DOC.settlement)
    )
    const ack = encodeServerMessage(
      { physicalId: PHYSICAL_ID, messageId: 1 },
      { type: 'settlement_ack', result: 0 }
    )
    assert.deepEqual(ack, hex(DOC.settlementAck))
  })

  test('0x06 port power report, every optional field up to the port temperature', async ({
    assert,
  }) => {
    const report = await deviceMessage(hex(DOC.portPower))
    assert.deepEqual(report, {
      type: 'port_power',
      port: 2,
      portStatus: 1,
      durationSeconds: 3600,
      energyCentiKwh: 48,
      startMode: 1,
      powerDeciwatts: 1000,
      maxPowerDeciwatts: 1200,
      minPowerDeciwatts: 800,
      averagePowerDeciwatts: 1000,
      orderNo: ORDER,
      periodEnergyRaw: 1,
      peakPowerDeciwatts: 1000,
      voltageDecivolts: 2200,
      currentMilliamps: 455,
      ambientTemperatureCelsius: 20,
      portTemperatureCelsius: null,
    })
    assert.deepEqual(
      encodeDeviceMessage({ physicalId: PHYSICAL_ID, messageId: 0x0a }, report),
      hex(DOC.portPower)
    )
  })

  test('0x82 start command byte for byte, decoded back on the pile side, and the reply', async ({
    assert,
  }) => {
    const command: DnyServerMessage = {
      type: 'charge_control',
      rateMode: 0,
      balanceFen: 356,
      port: 2,
      action: 'start',
      durationSeconds: 0,
      orderNo: SERVER_ORDER,
      maxDurationSeconds: 28800,
      overloadPowerDeciwatts: 5000,
    }
    assert.deepEqual(
      encodeServerMessage({ physicalId: PHYSICAL_ID, messageId: 2 }, command),
      hex(DOC.chargeControl)
    )
    assert.deepEqual(await serverMessage(hex(DOC.chargeControl)), command)
    assert.deepEqual(await deviceMessage(hex(DOC.chargeControlReply)), {
      type: 'charge_control_reply',
      result: 0,
      orderNo: SERVER_ORDER,
      port: 2,
      waitingPorts: [],
    })
  })

  test('0x8A change duration, 0x85 limits, 0x87 reboot, and their replies', async ({ assert }) => {
    const header = { physicalId: PHYSICAL_ID, messageId: 2 }
    assert.deepEqual(
      encodeServerMessage(header, {
        type: 'modify_charge',
        mode: 0,
        port: 2,
        durationSeconds: 28800,
      }),
      hex(DOC.modifyCharge)
    )
    assert.deepEqual(await deviceMessage(hex(DOC.modifyChargeReply)), {
      type: 'modify_charge_reply',
      result: 0,
    })
    assert.deepEqual(
      encodeServerMessage(header, {
        type: 'set_limits',
        maxDurationSeconds: 36000,
        overloadPowerDeciwatts: 20000,
      }),
      hex(DOC.setLimits)
    )
    assert.deepEqual(await deviceMessage(hex(DOC.setLimitsReply)), {
      type: 'set_limits_reply',
      result: 0,
    })
    assert.deepEqual(
      encodeServerMessage({ physicalId: PHYSICAL_ID, messageId: 1 }, { type: 'reboot' }),
      hex(DOC.reboot)
    )
    assert.deepEqual(await deviceMessage(hex(DOC.rebootReply)), { type: 'reboot_reply', result: 0 })
  })
})

test.group('vendor-dny protocol: frames built by hand', () => {
  test('0x83 parameters with the document defaults', async ({ assert }) => {
    const expected = dnyFrame(PILE, 5, 0x83, '03 00 0A 00 14 08 07 10 0E B4 00')
    const message: DnyServerMessage = {
      type: 'set_parameters',
      unplugPowerDeciwatts: 3,
      unplugDetectSeconds: 10,
      floatPercent: 20,
      floatDetectSeconds: 1800,
      floatSeconds: 3600,
      heartbeatSeconds: 180,
    }
    assert.deepEqual(
      encodeServerMessage({ physicalId: PHYSICAL_ID, messageId: 5 }, message),
      expected
    )
    assert.deepEqual(await serverMessage(expected), message)
  })

  test('0x82 stop on the energy rate with every later field, and a monthly card reply', async ({
    assert,
  }) => {
    const expected = dnyFrame(
      PILE,
      7,
      0x82,
      `02 10 27 00 00 FF 00 2C 01 ${SERVER_ORDER} 00 00 00 00 01 00 2C 01 02 00 01 1E 3C`
    )
    const message: DnyServerMessage = {
      type: 'charge_control',
      rateMode: 2,
      balanceFen: 10000,
      port: null,
      action: 'stop',
      energyCentiKwh: 300,
      orderNo: SERVER_ORDER,
      maxDurationSeconds: 0,
      overloadPowerDeciwatts: 0,
      qrLightOff: true,
      longCharge: false,
      extraFloatSeconds: 300,
      shortCircuitCheck: 2,
      ignoreUnplug: false,
      forceStopWhenFull: true,
      fullPowerWatts: 30,
      fullPowerMaxMinutes: 60,
    }
    assert.deepEqual(
      encodeServerMessage({ physicalId: PHYSICAL_ID, messageId: 7 }, message),
      expected
    )
    assert.deepEqual(await serverMessage(expected), message)

    const monthly = dnyFrame(PILE, 8, 0x02, '7A 8D 05 DD 00 01 80 0E A9 5F FF')
    const reply: DnyServerMessage = {
      type: 'card_reply',
      cardUid: '7A8D05DD',
      accountStatus: 0,
      rateMode: 1,
      validUntil: 0x5fa90e80,
      port: null,
    }
    assert.deepEqual(encodeServerMessage({ physicalId: PHYSICAL_ID, messageId: 8 }, reply), monthly)
    assert.deepEqual(await serverMessage(monthly), reply)
  })

  test('a newer card swipe carries a timestamp and a long card number', async ({ assert }) => {
    const frame = dnyFrame(PILE, 3, 0x02, '11 22 33 44 04 00 C8 00 09 0E A9 5F 04 AA BB CC DD')
    const message: DnyDeviceMessage = {
      type: 'card_swipe',
      cardUid: '11223344',
      cardType: 4,
      port: 1,
      cardBalanceFen: 200,
      timestamp: 0x5fa90e09,
      longCardNumber: 'AABBCCDD',
    }
    assert.deepEqual(await deviceMessage(frame), message)
    assert.deepEqual(encodeDeviceMessage({ physicalId: PHYSICAL_ID, messageId: 3 }, message), frame)
  })

  test('every device message survives a round trip through bytes', async ({ assert }) => {
    const messages: DnyDeviceMessage[] = [
      { type: 'register', firmwareVersion: 100, portCount: 10, virtualId: 0, deviceModel: 0x20 },
      {
        type: 'heartbeat',
        voltageDecivolts: 2301,
        portCount: 3,
        portStatuses: [0, 1, 0x10],
        signal: 0,
        temperatureCelsius: null,
      },
      { type: 'time_request' },
      { type: 'card_swipe', cardUid: '00000001', cardType: 1, port: null, cardBalanceFen: 0 },
      {
        type: 'settlement',
        durationSeconds: 65535,
        maxPowerDeciwatts: 0,
        energyCentiKwh: 1,
        port: 10,
        startMode: 0,
        cardUid: 'FFFFFFFF',
        stopReason: 0x1c,
        orderNo: ORDER,
        secondMaxPowerDeciwatts: 12,
        timestamp: 1700000000,
        occupancyMinutes: 3,
      },
      {
        type: 'charge_control_reply',
        result: 5,
        orderNo: SERVER_ORDER,
        port: null,
        waitingPorts: [1, 2],
      },
      { type: 'set_parameters_reply', result: 1 },
      { type: 'modify_charge_reply', result: 3 },
    ]
    for (const message of messages) {
      const bytes = encodeDeviceMessage({ physicalId: 0x05000001, messageId: 9 }, message)
      assert.deepEqual(await deviceMessage(bytes, 10), message, message.type)
    }
  })
})

test.group('vendor-dny protocol: refusals, one frame at a time', () => {
  async function refusal(bytes: Buffer, portCount?: number) {
    const result = await decodeDeviceMessage(frameOf(bytes), { portCount })
    if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.message)}`)
    return result
  }

  test('a port above the pile port count', async ({ assert }) => {
    const result = await refusal(hex(DOC.settlement), 1)
    assert.equal(result.reason, 'invalid')
    assert.match(result.detail, /port.*above the pile's port count \(1\)/)
    // The same frame passes for a pile with 2 ports.
    const accepted = await deviceMessage(hex(DOC.settlement), 2)
    assert.equal(accepted.type, 'settlement')
  })

  test('an unknown port status in a heartbeat', async ({ assert }) => {
    const result = await refusal(dnyFrame(PILE, 1, 0x21, '98 08 02 00 0C 09 05'))
    assert.equal(result.reason, 'invalid')
    assert.match(result.detail, /portStatuses\.1/)
  })

  test('an unknown stop reason', async ({ assert }) => {
    const frame = hex(DOC.settlement)
    frame[24] = 0x7f
    frame.writeUInt16LE(
      frame.subarray(0, -2).reduce((sum, byte) => sum + byte, 0) & 0xffff,
      frame.length - 2
    )
    const result = await refusal(frame)
    assert.equal(result.reason, 'invalid')
    assert.match(result.detail, /stopReason/)
  })

  test('an order number shorter than 16 bytes', async ({ assert }) => {
    const result = await refusal(
      dnyFrame(
        PILE,
        1,
        0x03,
        '10 0E E8 03 30 00 01 01 00 00 00 00 01 20 19 09 01 18 00 00 13 00 30'
      )
    )
    assert.equal(result.reason, 'truncated')
    assert.match(result.detail, /orderNo: needs 16 byte\(s\), 10 left/)
  })

  test('a command this codec does not know', async ({ assert }) => {
    const result = await refusal(dnyFrame(PILE, 1, 0x41, '00'))
    assert.equal(result.reason, 'unknown_command')
    assert.equal(result.command, 0x41)
  })

  test('an encoder refuses an order number that is not 16 bytes', ({ assert }) => {
    assert.throws(
      () =>
        encodeServerMessage(
          { physicalId: PHYSICAL_ID, messageId: 1 },
          {
            type: 'charge_control',
            rateMode: 0,
            port: 1,
            action: 'start',
            orderNo: '1234',
            maxDurationSeconds: 0,
            overloadPowerDeciwatts: 0,
          }
        ),
      /orderNo must be 16 bytes/
    )
  })
})
