import { defineConfig, drivers } from '@adonisjs/core/hash'
import env, { OWASP_SCRYPT_COST } from '#start/env'

/*
| OWASP's current scrypt floor: N = 2^17, r = 8, p = 1. Node refuses to
| derive unless maxMemory exceeds 128 * N * r (128 MiB), so it gets 16 MiB
| of headroom. Hashes made with other parameters are rehashed at the next
| successful login (LoginService). The test suite lowers N with
| HASH_SCRYPT_COST (.env.test): at 2^17 each hash costs ~1 s of CPU here and
| the suite signs in hundreds of times; production refuses to boot below
| the floor (start/env.ts).
*/
export function scryptParameters(cost: number) {
  return {
    cost,
    blockSize: 8,
    parallelization: 1,
    maxMemory: 128 * cost * 8 + 16 * 1024 * 1024,
  }
}

export const SCRYPT_PARAMETERS = scryptParameters(env.get('HASH_SCRYPT_COST') ?? OWASP_SCRYPT_COST)

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
