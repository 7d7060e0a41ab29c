import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import CaptchaService from '#services/auth/captcha_service'

@inject()
export default class CaptchaController {
  constructor(protected captchas: CaptchaService) {}

  async show({ response, session }: HttpContext) {
    const svg = this.captchas.issue(session)
    response.header('content-type', 'image/svg+xml; charset=utf-8')
    response.header('cache-control', 'no-store')
    return svg
  }

  /** Test-only seam: the answer of this session's captcha. Never routed in production. */
  async answer({ session }: HttpContext) {
    return { answer: this.captchas.peek(session) }
  }
}
