import env from '#start/env'

export interface PageResponse {
  status: number
  location: string | null
  text: string
  /** The Inertia page object an HTML response carries, if any. */
  page: { component: string; props: Record<string, any> } | null
}

const PAGE_SCRIPT = /<script data-page="app" type="application\/json">([\s\S]*?)<\/script>/

/**
 * Talks to the test server as a browser does, over real HTTP: keeps the
 * cookies it is given and echoes the XSRF-TOKEN cookie in the X-XSRF-TOKEN
 * header, as the admin's frontend does.
 */
export class BrowserSession {
  #cookies = new Map<string, string>()
  #baseUrl = `http://${env.get('HOST')}:${env.get('PORT')}`

  async #send(
    method: 'GET' | 'POST',
    path: string,
    form?: Record<string, string>
  ): Promise<PageResponse> {
    const headers: Record<string, string> = {}
    if (this.#cookies.size) {
      headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    }
    const xsrf = this.#cookies.get('XSRF-TOKEN')
    if (xsrf) headers['x-xsrf-token'] = xsrf
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded'

    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';')
      const separator = pair.indexOf('=')
      this.#cookies.set(pair.slice(0, separator), pair.slice(separator + 1))
    }
    const text = await response.text()
    const pageJson = PAGE_SCRIPT.exec(text)?.[1]
    return {
      status: response.status,
      location: response.headers.get('location'),
      text,
      page: pageJson ? JSON.parse(pageJson) : null,
    }
  }

  get(path: string) {
    return this.#send('GET', path)
  }

  post(path: string, form: Record<string, string> = {}) {
    return this.#send('POST', path, form)
  }

  /** Loads a captcha image and reads its answer through the test-only seam. */
  async captcha() {
    const image = await this.get('/captcha')
    if (!image.text.startsWith('<svg')) throw new Error(`No captcha image: ${image.status}`)
    const seam = await this.get('/__test__/captcha')
    return JSON.parse(seam.text).answer as string
  }

  /** Opens the login page and posts the form with a fresh captcha. */
  async login(form: { account: string; password: string; captcha?: string }) {
    await this.get('/login')
    const answer = await this.captcha()
    return this.post('/login', { ...form, captcha: form.captcha ?? answer })
  }

  /** The error the login page shows after a refused attempt. */
  async flashedError() {
    const page = await this.get('/login')
    return page.page?.props.flash?.error as string | undefined
  }
}

/** Forgets every counted login attempt (the app role may not truncate). */
export async function resetLoginLimits() {
  const { default: db } = await import('@adonisjs/lucid/services/db')
  await db.connection('owner').from('rate_limits').delete()
}
