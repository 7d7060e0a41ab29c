import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'

/*
| Alipay's key tool hands keys out as bare base64 (PKCS#1 or PKCS#8 private
| keys, SPKI public keys); people also paste PEM. Both read, as in the
| payment plugin (which the app may not import), into the PEM the SDK takes.
*/
const BASE64 = /^[A-Za-z0-9+/=\s]+$/

function attempt(work: () => KeyObject): KeyObject | null {
  try {
    const key = work()
    return key.asymmetricKeyType === 'rsa' ? key : null
  } catch {
    return null
  }
}

/** The application private key as PKCS#8 PEM (trimmed for the SDK); null when it is none. */
export function alipayPrivateKeyPem(text: string): string | null {
  const trimmed = text.trim()
  let key: KeyObject | null = null
  if (trimmed.startsWith('-----BEGIN')) key = attempt(() => createPrivateKey(trimmed))
  else if (BASE64.test(trimmed)) {
    const der = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64')
    key =
      attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })) ??
      attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }))
  }
  return key ? key.export({ type: 'pkcs8', format: 'pem' }).toString().trim() : null
}

/** The Alipay public key as SPKI PEM; null when it is none (a pasted private key included). */
export function alipayPublicKeyPem(text: string): string | null {
  const trimmed = text.trim()
  if (trimmed.includes('PRIVATE KEY')) return null
  let key: KeyObject | null = null
  if (trimmed.startsWith('-----BEGIN')) key = attempt(() => createPublicKey(trimmed))
  else if (BASE64.test(trimmed)) {
    const der = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64')
    key = attempt(() => createPublicKey({ key: der, format: 'der', type: 'spki' }))
  }
  return key ? key.export({ type: 'spki', format: 'pem' }).toString().trim() : null
}
