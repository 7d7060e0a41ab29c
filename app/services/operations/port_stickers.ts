import QRCode from 'qrcode'
import { publicUrl } from '#config/app'

/** The absolute rider H5 address of a port, as printed on its QR sticker. */
export function portH5Url(publicCode: string, portNo: number) {
  return `${publicUrl}/h5/p/${publicCode}/${portNo}`
}

/**
 * The QR images of the ports' H5 addresses as SVG data URLs, keyed by port
 * number, for operators to print stickers from. Made for the detail page
 * only, not for its 5 s live poll.
 */
export async function portQrImages(ports: { portNo: number; h5Url: string }[]) {
  const images: Record<number, string> = {}
  for (const port of ports) {
    // 'M' keeps the code readable when a sticker is scratched, at a modest size.
    const svg = await QRCode.toString(port.h5Url, {
      type: 'svg',
      margin: 1,
      errorCorrectionLevel: 'M',
    })
    images[port.portNo] = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
  }
  return images
}
