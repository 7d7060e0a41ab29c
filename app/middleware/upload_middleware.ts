import { createWriteStream } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'

/**
 * Parses a multipart body, on the upload routes only and after the route's
 * authentication (config/bodyparser.ts leaves every multipart body unread,
 * and the CSRF check reads the X-XSRF-TOKEN header). Files land in the temp
 * directory with their validations deferred to `request.file()`, as the
 * body parser would do, within its `multipart.limit`; they are removed once
 * the request is answered.
 */
export default class UploadMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    if (ctx.request.bodyType !== 'multipart') return next()
    const written: string[] = []
    const multipart = ctx.request.multipart
    multipart.onFile('*', { deferValidations: true }, async (part, reporter) => {
      const tmpPath = join(tmpdir(), `pilehub-upload-${randomUUID()}`)
      written.push(tmpPath)
      part.pause()
      part.on('data', reporter)
      try {
        await pipeline(part, createWriteStream(tmpPath))
        return { tmpPath }
      } catch (error) {
        multipart.abort(error)
      }
    })
    try {
      await multipart.process()
      return await next()
    } finally {
      await Promise.all(written.map((path) => unlink(path).catch(() => {})))
    }
  }
}
