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
  #baseUrl: string

  /** `baseUrl`: another web process of the app than the test server. */
  constructor(baseUrl = `http://${env.get('HOST')}:${env.get('PORT')}`) {
    this.#baseUrl = baseUrl
  }

  /** This browser (its cookies, so its session) talking to another web process. */
  at(baseUrl: string) {
    const other = new BrowserSession(baseUrl)
    other.#cookies = this.#cookies
    return other
  }

  async #send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: { form: Record<string, string> } | { json: unknown } | { multipart: FormData },
    extraHeaders: Record<string, string> = {}
  ): Promise<PageResponse> {
    const headers: Record<string, string> = { ...extraHeaders }
    if (this.#cookies.size) {
      headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    }
    const xsrf = this.#cookies.get('XSRF-TOKEN')
    if (xsrf) headers['x-xsrf-token'] = xsrf
    if (body && 'form' in body) headers['content-type'] = 'application/x-www-form-urlencoded'
    if (body && 'json' in body) headers['content-type'] = 'application/json'

    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers,
      // fetch sets the multipart content type with its boundary itself.
      body: !body
        ? undefined
        : 'form' in body
          ? new URLSearchParams(body.form).toString()
          : 'multipart' in body
            ? body.multipart
            : JSON.stringify(body.json),
      redirect: 'manual',
    })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';')
      const separator = pair.indexOf('=')
      const name = pair.slice(0, separator)
      // A cookie set to expire at once is deleted, as a browser does.
      if (/;\s*max-age=0\b/i.test(cookie)) this.#cookies.delete(name)
      else this.#cookies.set(name, pair.slice(separator + 1))
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

  /** `headers`: e.g. the User-Agent of WeChat's in-app browser. */
  get(path: string, headers: Record<string, string> = {}) {
    return this.#send('GET', path, undefined, headers)
  }

  /** A GET whose body is a file (a download), kept as bytes. */
  async download(path: string) {
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const response = await fetch(`${this.#baseUrl}${path}`, {
      headers: { cookie },
      redirect: 'manual',
    })
    return {
      status: response.status,
      headers: response.headers,
      bytes: Buffer.from(await response.arrayBuffer()),
    }
  }

  /** A long-lived GET (server-sent events) with this browser's cookies; abort `signal` to close it. */
  stream(path: string, signal: AbortSignal) {
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    return fetch(`${this.#baseUrl}${path}`, {
      headers: { cookie, accept: 'text/event-stream' },
      signal,
    })
  }

  post(path: string, form: Record<string, string> = {}) {
    return this.#send('POST', path, { form })
  }

  /** The Inertia props of a page (null when it answers without one). */
  async props(path: string): Promise<Record<string, any>> {
    const response = await this.get(path)
    if (!response.page) throw new Error(`${path} answered ${response.status} without a page`)
    return response.page.props
  }

  /** A JSON request, as the admin's Inertia forms send them. */
  send(method: 'POST' | 'PUT' | 'DELETE', path: string, json: unknown = {}, fromPage?: string) {
    // A browser names the page a form was sent from; `back()` redirects there.
    const headers: Record<string, string> = fromPage
      ? { referer: `${this.#baseUrl}${fromPage}` }
      : {}
    return this.#send(method, path, { json }, headers)
  }

  /** A multipart form with one file, as a file input sends it. */
  upload(
    path: string,
    fields: Record<string, string>,
    file: { field: string; name: string; type: string; content: Uint8Array }
  ) {
    const form = new FormData()
    for (const [name, value] of Object.entries(fields)) form.append(name, value)
    form.append(file.field, new Blob([file.content], { type: file.type }), file.name)
    return this.#send('POST', path, { multipart: form })
  }

  /** Loads a captcha image and reads its answer through the test-only seam. */
  async captcha() {
    const image = await this.get('/captcha')
    if (!image.text.startsWith('<svg')) throw new Error(`No captcha image: ${image.status}`)
    const seam = await this.get('/__test__/captcha')
    return JSON.parse(seam.text).answer as string
  }

  /** Opens the login page and posts the form with a fresh captcha. */
  async login(form: { account: string; password: string; captcha?: string; remember?: string }) {
    await this.get('/login')
    const answer = await this.captcha()
    return this.post('/login', { ...form, captcha: form.captcha ?? answer })
  }

  /** The names of the cookies this browser holds. */
  cookieNames() {
    return [...this.#cookies.keys()]
  }

  /** Forgets the session cookie, as a browser does when it is closed. */
  closeBrowser(sessionCookie = 'pilehub-session') {
    this.#cookies.delete(sessionCookie)
  }

  /** The error the login page shows after a refused attempt. */
  async flashedError() {
    const page = await this.get('/login')
    return page.page?.props.flash?.error as string | undefined
  }
}

/** Forgets every counted login attempt (tests count them in memory, see .env.test). */
export async function resetLoginLimits() {
  const { default: limiter } = await import('@adonisjs/limiter/services/main')
  await limiter.clear(['memory'])
}
