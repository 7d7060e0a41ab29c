import { defineConfig, drivers } from '@adonisjs/core/hash'

/*
| OWASP's current scrypt floor: N = 2^17, r = 8, p = 1. Node refuses to
| derive unless maxMemory exceeds 128 * N * r (128 MiB), so it gets 16 MiB
| of headroom. Hashes made with older parameters are rehashed at the next
| successful login (LoginService).
*/
export const SCRYPT_PARAMETERS = {
  cost: 131072,
  blockSize: 8,
  parallelization: 1,
  maxMemory: 128 * 131072 * 8 + 16 * 1024 * 1024,
}

const hashConfig = defineConfig({
  default: 'scrypt',
  list: {
    scrypt: drivers.scrypt(SCRYPT_PARAMETERS),
  },
})

export default hashConfig

declare module '@adonisjs/core/types' {
  export interface HashersList extends InferHashers<typeof hashConfig> {}
}
