/** The order list's filters, kept in the URL query so a filtered list can be bookmarked and shared. */
import type { LocationQuery, LocationQueryRaw } from 'vue-router'

export interface OrderFilters {
  customer_org_id: string | null
  category: string[]
  direction: string | null
  status: string[]
  source_service: string | null
  created_from: string | null
  created_to: string | null
  sign_date_from: string | null
  sign_date_to: string | null
  invoiced_from: string | null
  invoiced_to: string | null
  settled_from: string | null
  settled_to: string | null
  amount_min: string | null
  amount_max: string | null
}

const LISTS = ['category', 'status'] as const
const SINGLES = [
  'customer_org_id', 'direction', 'source_service', 'created_from', 'created_to', 'sign_date_from', 'sign_date_to',
  'invoiced_from', 'invoiced_to', 'settled_from', 'settled_to', 'amount_min', 'amount_max',
] as const

export function emptyFilters(): OrderFilters {
  return {
    customer_org_id: null, category: [], direction: null, status: [], source_service: null, created_from: null,
    created_to: null, sign_date_from: null, sign_date_to: null, invoiced_from: null, invoiced_to: null,
    settled_from: null, settled_to: null, amount_min: null, amount_max: null,
  }
}

function one(value: LocationQuery[string]): string | null {
  const v = Array.isArray(value) ? value[0] : value
  return v ? String(v) : null
}
function many(value: LocationQuery[string]): string[] {
  if (value === undefined || value === null) return []
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => !!v).flatMap((v) => v.split(',')).filter(Boolean)
}

export function filtersFromQuery(query: LocationQuery): OrderFilters {
  const f = emptyFilters()
  for (const k of LISTS) f[k] = many(query[k])
  for (const k of SINGLES) f[k] = one(query[k])
  return f
}

/** Only the filters that are set, lists as repeated parameters. */
export function filtersToQuery(f: OrderFilters): LocationQueryRaw {
  const q: LocationQueryRaw = {}
  for (const k of LISTS) if (f[k].length) q[k] = [...f[k]]
  for (const k of SINGLES) if (f[k]) q[k] = f[k]
  return q
}

/** The body of POST /v1/orders/exports (the same filters; unset ones left out). */
export function filtersToBody(f: OrderFilters): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const k of LISTS) if (f[k].length) body[k] = f[k]
  for (const k of SINGLES) if (f[k]) body[k] = f[k]
  return body
}
