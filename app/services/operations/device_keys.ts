/*
| How each protocol names a pile, normalised so that the gateway's lookup
| by (plugin id, device key) and what staff type agree:
| - vendor-dny: the u32 physical id as 8 upper-case hex digits, big-endian
|   (device type byte first), e.g. 04CEAA40; staff may also type it as
|   printed, type and decimal number: 04-13544000.
| - vendor-juy: the module's 15-digit IMEI.
| - vendor-ocpp16: the chargeBoxId of the WebSocket URL (OCPP allows up to
|   20 printable characters; we keep the URL-safe ones), case kept.
| Any other plugin: 1-64 of [A-Za-z0-9._:-], case kept. A vendor plugin
| whose ids need another form can get its own rule here.
*/

export const VENDOR_PLUGIN_ID = /^vendor-[a-z0-9]+(?:-[a-z0-9]+)*$/

const DNY_MAX_DEVICE_NUMBER = 0xffffff

export function normalizeDeviceKey(pluginId: string, text: string): string | null {
  const value = text.trim()
  switch (pluginId) {
    case 'vendor-dny':
      return dnyKey(value)
    case 'vendor-juy':
      return /^\d{15}$/.test(value) ? value : null
    case 'vendor-ocpp16':
      return /^[A-Za-z0-9._:-]{1,20}$/.test(value) ? value : null
    default:
      return /^[A-Za-z0-9._:-]{1,64}$/.test(value) ? value : null
  }
}

function dnyKey(value: string) {
  if (/^[0-9A-Fa-f]{8}$/.test(value)) return value.toUpperCase()
  const printed = /^([0-9A-Fa-f]{2})-(\d{1,8})$/.exec(value)
  if (!printed) return null
  const number = Number(printed[2])
  if (number > DNY_MAX_DEVICE_NUMBER) return null
  return printed[1].toUpperCase() + number.toString(16).toUpperCase().padStart(6, '0')
}

/** The key as staff read it on the pile: DNY's type and printed number; others as stored. */
export function displayDeviceKey(pluginId: string, deviceKey: string) {
  if (pluginId !== 'vendor-dny') return deviceKey
  return `${deviceKey.slice(0, 2)}-${Number.parseInt(deviceKey.slice(2), 16)}`
}

/**
 * What staff type to claim a pile: the code printed on it. For DNY that is
 * the decimal number under its QR code (the physical id's last 3 bytes; the
 * type byte is the waiting pile's own), or the full id as printed
 * (04-13544000) or in hex; for OCPP the chargeBoxId and for JUY the IMEI,
 * as printed on the nameplate (the key itself). A DNY id in hex can be all
 * digits (05012345), so digits are tried both ways: the claim takes the one
 * waiting pile either reading finds.
 */
export function claimCodeFilter(
  pluginId: string,
  text: string
): { deviceKey?: string; dnyNumber?: string } | null {
  const value = text.trim()
  const deviceKey = normalizeDeviceKey(pluginId, value) ?? undefined
  if (pluginId === 'vendor-dny' && /^\d{1,8}$/.test(value)) {
    const number = Number(value)
    const dnyNumber =
      number > DNY_MAX_DEVICE_NUMBER
        ? undefined
        : number.toString(16).toUpperCase().padStart(6, '0')
    return deviceKey || dnyNumber ? { deviceKey, dnyNumber } : null
  }
  return deviceKey ? { deviceKey } : null
}
