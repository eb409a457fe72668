import { describe, expect, it } from 'vitest'
import { emptyFilters, filtersFromQuery, filtersToBody, filtersToQuery } from '@/orders/filters'
import { groupTotals } from '@/orders/analysis'

describe('order list filters in the URL', () => {
  it('round-trips through the query string, lists as repeated parameters', () => {
    const f = { ...emptyFilters(), status: ['invoiced', 'settled'], category: ['risk_assessment'], sign_date_from: '2026-10-01', sign_date_to: '2026-10-31', amount_min: '100.00' }
    const q = filtersToQuery(f)
    expect(q).toEqual({ status: ['invoiced', 'settled'], category: ['risk_assessment'], sign_date_from: '2026-10-01', sign_date_to: '2026-10-31', amount_min: '100.00' })
    expect(filtersFromQuery(q as Record<string, string | string[]>)).toEqual(f)
  })

  it('reads a single value or a comma list for list filters', () => {
    expect(filtersFromQuery({ status: 'created' }).status).toEqual(['created'])
    expect(filtersFromQuery({ status: 'created,closed' }).status).toEqual(['created', 'closed'])
  })

  it('sends only the filters that are set', () => {
    expect(filtersToBody({ ...emptyFilters(), direction: 'payable' })).toEqual({ direction: 'payable' })
  })
})

describe('analysis buckets', () => {
  it('sums amounts exactly', () => {
    const rows = [
      { period: '2026-10', category: 'a', status: 's', customer_org_id: 'x', count: 1, amount: '0.10' },
      { period: '2026-10', category: 'b', status: 's', customer_org_id: 'x', count: 2, amount: '0.20' },
    ]
    const [b] = groupTotals(rows, (r) => r.period)
    expect(b.count).toBe(3)
    expect(b.fen).toBe(30n)
  })
})
