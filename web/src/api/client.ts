/**
 * The one way the console talks to the platform: same-origin fetch through the gateway.
 *
 * - cookies ride along (`credentials: 'same-origin'`); the browser never holds a token;
 * - every non-GET/HEAD request carries `X-CSRF-Token` (from /bff/session);
 * - 401 `session_missing` / `session_expired` sends the browser to /bff/login?return_to=<here>;
 * - RFC 9457 problem+json answers become an `ApiError` with a plain-words message and the
 *   field errors keyed by form field (`body.amount` → `amount`).
 */

export interface ProblemFieldError {
  field: string
  code?: string
  message: string
}

export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  code?: string
  request_id?: string
  errors?: ProblemFieldError[]
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly problem: Problem
  /** form field → message (first message per field), see `formField`. */
  readonly fieldErrors: Record<string, string>

  constructor(problem: Problem, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = problem.status
    this.code = problem.code ?? 'error'
    this.problem = problem
    this.fieldErrors = mapFieldErrors(problem.errors ?? [])
  }
}

/**
 * `body.amount` → `amount`; `body.entries.0.target_url` → `entries.0.target_url`;
 * `query.format` → `format`; `path.id` → `id`. Pydantic's model-level errors (`body`) map to ''.
 */
export function formField(field: string): string {
  const parts = field.split('.')
  if (parts.length && ['body', 'query', 'path', 'header'].includes(parts[0])) parts.shift()
  return parts.join('.')
}

export function mapFieldErrors(errors: ProblemFieldError[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of errors) {
    const key = formField(e.field)
    if (!(key in out)) out[key] = hooks.describeField(e)
  }
  return out
}

export type Query = Record<string, string | number | boolean | null | undefined | Array<string | number>>

export interface RequestOptions {
  query?: Query
  /** JSON-encoded unless a Blob/File/string/FormData. */
  body?: unknown
  headers?: Record<string, string>
  /** false: the caller shows the error itself (no ElMessage). Default true. */
  notify?: boolean
  /** Answer the raw Response (downloads). */
  raw?: boolean
  signal?: AbortSignal
}

export interface ClientHooks {
  csrfToken: () => string | null
  /** Leave the app for another URL (login, logout): window.location.assign by default. */
  navigate: (url: string) => void
  /** Where the user is now (for return_to). */
  currentPath: () => string
  /** Show an error in plain words. */
  notifyError: (message: string) => void
  /** Plain words for a problem's code (i18n); null: use the server's detail. */
  describe: (problem: Problem) => string | null
  /** Plain words for one field error (i18n); default: the server's message. */
  describeField: (error: ProblemFieldError) => string
  /** A field path as people name it (i18n); default: the path. */
  fieldLabel: (field: string) => string
}

const hooks: ClientHooks = {
  csrfToken: () => null,
  navigate: (url) => window.location.assign(url),
  currentPath: () => window.location.pathname + window.location.search + window.location.hash,
  notifyError: (message) => console.error(message),
  describe: () => null,
  describeField: (error) => error.message,
  fieldLabel: (field) => field,
}

export function configureClient(overrides: Partial<ClientHooks>): void {
  Object.assign(hooks, overrides)
}

const SESSION_CODES = new Set(['session_missing', 'session_expired', 'unauthorized'])

export function loginUrl(returnTo: string): string {
  return `/bff/login?return_to=${encodeURIComponent(returnTo || '/')}`
}

let redirecting = false

/** Send the browser to sign in, once, coming back here afterwards. */
export function redirectToLogin(): void {
  if (redirecting) return
  redirecting = true
  hooks.navigate(loginUrl(hooks.currentPath()))
}

/** Leave the console for another URL (an entry's launch, logout) through the configured hook. */
export function navigate(url: string): void {
  hooks.navigate(url)
}

/** For tests: forget that a login redirect already happened. */
export function resetClientState(): void {
  redirecting = false
}

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v))
    else params.append(key, String(value))
  }
  const qs = params.toString()
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path
}

function isSafe(method: string): boolean {
  return method === 'GET' || method === 'HEAD'
}

async function readProblem(response: Response): Promise<Problem> {
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) {
    try {
      const body = (await response.json()) as Partial<Problem>
      return { ...body, status: body.status ?? response.status }
    } catch {
      /* not JSON after all */
    }
  }
  return { status: response.status, code: `http_${response.status}`, detail: response.statusText }
}

function messageOf(problem: Problem): string {
  const described = hooks.describe(problem)
  let message = described ?? problem.detail ?? problem.title ?? `HTTP ${problem.status}`
  if (problem.errors?.length) {
    const fields = problem.errors
      .slice(0, 3)
      .map((e) => `${hooks.fieldLabel(formField(e.field)) || '—'}: ${hooks.describeField(e)}`)
      .join('; ')
    message = `${message} (${fields})`
  }
  return message
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const upper = method.toUpperCase()
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...options.headers }
  let body: BodyInit | undefined
  if (options.body !== undefined) {
    const b = options.body
    if (b instanceof Blob || b instanceof FormData || typeof b === 'string' || b instanceof ArrayBuffer) {
      body = b as BodyInit
    } else {
      body = JSON.stringify(b)
      headers['Content-Type'] = 'application/json'
    }
  }
  if (!isSafe(upper)) {
    const token = hooks.csrfToken()
    if (token) headers['X-CSRF-Token'] = token
  }
  let response: Response
  try {
    response = await fetch(buildUrl(path, options.query), {
      method: upper,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    })
  } catch (cause) {
    if ((cause as Error)?.name === 'AbortError') throw cause
    const problem: Problem = { status: 0, code: 'network_error', detail: String(cause) }
    const error = new ApiError(problem, messageOf(problem))
    if (options.notify !== false) hooks.notifyError(error.message)
    throw error
  }
  if (!response.ok) {
    const problem = await readProblem(response)
    const error = new ApiError(problem, messageOf(problem))
    if (response.status === 401 && (!problem.code || SESSION_CODES.has(problem.code))) {
      redirectToLogin()
      throw error
    }
    if (options.notify !== false) hooks.notifyError(error.message)
    throw error
  }
  if (options.raw) return response as unknown as T
  if (response.status === 204) return undefined as T
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) return (await response.json()) as T
  return (await response.text()) as unknown as T
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
}

function filenameFrom(response: Response, fallback: string): string {
  const header = response.headers.get('content-disposition') ?? ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header)
  if (star) return decodeURIComponent(star[1])
  const plain = /filename="?([^";]+)"?/i.exec(header)
  return plain ? plain[1] : fallback
}

/** GET a file (CSV/XLSX) and hand it to the browser as a download. */
export async function download(path: string, fallbackName: string, query?: Query): Promise<void> {
  const response = await request<Response>('GET', path, { query, raw: true, headers: { Accept: '*/*' } })
  const blob = await response.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filenameFrom(response, fallbackName)
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
