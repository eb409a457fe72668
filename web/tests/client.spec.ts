import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, api, configureClient, formField, resetClientState } from '@/api/client'
import { jsonResponse } from './fixtures'

const PROBLEM = 'application/problem+json'

describe('API client', () => {
  const navigate = vi.fn()
  const notifyError = vi.fn()
  let fetchMock: ReturnType<typeof vi.fn>

  beforeEach(() => {
    resetClientState()
    navigate.mockReset()
    notifyError.mockReset()
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    configureClient({
      csrfToken: () => 'token-123',
      navigate,
      notifyError,
      currentPath: () => '/console/orders/orders?status=invoiced',
      describe: () => null,
    })
  })
  afterEach(() => vi.unstubAllGlobals())

  it('sends the CSRF header on POST, same-origin credentials, JSON body', async () => {
    fetchMock.mockResolvedValue(jsonResponse({ ok: true }, 201))
    await api.post('/api/orders/v1/orders/settlement-lists', { category: 'risk_assessment' })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/orders/v1/orders/settlement-lists')
    expect(init.method).toBe('POST')
    expect(init.credentials).toBe('same-origin')
    expect(init.headers['X-CSRF-Token']).toBe('token-123')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(JSON.parse(init.body)).toEqual({ category: 'risk_assessment' })
  })

  it('sends no CSRF header on GET and encodes list filters as repeated parameters', async () => {
    fetchMock.mockResolvedValue(jsonResponse({ items: [] }))
    await api.get('/api/orders/v1/orders', { query: { status: ['created', 'invoiced'], q: '', limit: 50, cursor: null } })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/orders/v1/orders?status=created&status=invoiced&limit=50')
    expect(init.headers['X-CSRF-Token']).toBeUndefined()
  })

  it('sends the CSRF header on PUT, PATCH and DELETE too', async () => {
    fetchMock.mockImplementation(() => Promise.resolve(new Response(null, { status: 204 })))
    await api.put('/x', {})
    await api.patch('/x', {})
    await api.delete('/x')
    for (const [, init] of fetchMock.mock.calls) expect(init.headers['X-CSRF-Token']).toBe('token-123')
  })

  it('on 401 session_missing goes to /bff/login with the current path to return to', async () => {
    fetchMock.mockResolvedValue(jsonResponse({ status: 401, code: 'session_missing', detail: 'sign in' }, 401, PROBLEM))
    await expect(api.get('/api/orders/v1/orders')).rejects.toBeInstanceOf(ApiError)
    expect(navigate).toHaveBeenCalledWith('/bff/login?return_to=%2Fconsole%2Forders%2Forders%3Fstatus%3Dinvoiced')
    expect(notifyError).not.toHaveBeenCalled()
  })

  it('on 401 session_expired also goes to login, once for concurrent calls', async () => {
    fetchMock.mockImplementation(() =>
      Promise.resolve(jsonResponse({ status: 401, code: 'session_expired', detail: 'expired' }, 401, PROBLEM)),
    )
    await Promise.allSettled([api.get('/a'), api.get('/b')])
    expect(navigate).toHaveBeenCalledTimes(1)
  })

  it('maps problem+json field errors onto form fields and says the problem in words', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse(
        {
          type: 'https://errors.platform.local/validation_failed', title: 'Unprocessable Entity', status: 422,
          code: 'validation_failed', detail: 'The request is invalid; check: body.amount',
          errors: [
            { field: 'body.amount', code: 'amount_not_positive', message: 'must be positive' },
            { field: 'body.entries.0.target_url', code: 'target_url_not_registered', message: 'register a client first' },
            { field: 'query.format', code: 'unknown_format', message: 'csv or xlsx' },
          ],
        },
        422,
        PROBLEM,
      ),
    )
    const error = await api.post('/x', { amount: '0' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    const e = error as ApiError
    expect(e.status).toBe(422)
    expect(e.code).toBe('validation_failed')
    expect(e.fieldErrors).toEqual({
      amount: 'must be positive',
      'entries.0.target_url': 'register a client first',
      format: 'csv or xlsx',
    })
    expect(e.message).toContain('The request is invalid')
    expect(e.message).toContain('amount: must be positive')
    expect(notifyError).toHaveBeenCalledWith(e.message)
    expect(navigate).not.toHaveBeenCalled()
  })

  it('uses the plain-words description of a known code', async () => {
    configureClient({ describe: (p) => (p.code === 'csrf_failed' ? 'reload the page' : null) })
    fetchMock.mockResolvedValue(jsonResponse({ status: 403, code: 'csrf_failed', detail: 'missing header' }, 403, PROBLEM))
    await expect(api.post('/x', {})).rejects.toThrow('reload the page')
    expect(notifyError).toHaveBeenCalledWith('reload the page')
  })

  it('does not notify when the caller shows the error itself', async () => {
    fetchMock.mockResolvedValue(jsonResponse({ status: 409, code: 'username_taken', detail: 'taken' }, 409, PROBLEM))
    await expect(api.post('/x', {}, { notify: false })).rejects.toThrow('taken')
    expect(notifyError).not.toHaveBeenCalled()
  })

  it('turns a network failure into a problem too', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    const e = (await api.get('/x').catch((x: unknown) => x)) as ApiError
    expect(e.code).toBe('network_error')
    expect(notifyError).toHaveBeenCalled()
  })

  it('strips the location prefix of field names', () => {
    expect(formField('body.amount')).toBe('amount')
    expect(formField('body.lines.2.amount')).toBe('lines.2.amount')
    expect(formField('path.order_id')).toBe('order_id')
    expect(formField('amount')).toBe('amount')
  })
})
