/** Insurance (entry `insurance`, 保险管理): /api/insurance/v1/… → insurance /v1/… */
import { api, type Query } from './client'

const base = '/api/insurance/v1'

export interface Customer {
  id: string; org_id: string; kind: 'person' | 'company'; name: string
  id_number: string | null; mobile: string | null; created_at: string; created_by: string
}
export interface Vehicle {
  id: string; org_id: string; vin: string | null; vin_checksum_ok: boolean | null; plate_no: string; region_code: string
  engine_no: string | null; register_date: string | null; use_nature: string | null; brand_model: string | null
  commercial_expiry: string | null; compulsory_expiry: string | null; inspection_due: string | null; maintenance_due: string | null
  owner: Customer | null; created_at: string; updated_at: string; updated_by: string
}
export interface VehicleDetail extends Vehicle {
  sources: { source: string; source_ref: string | null; outcome: string; collected_at: string; collected_by: string }[]
  owner_changes: { from_customer: string | null; to_customer: string; transfer_date: string | null; note: string | null; changed_at: string; changed_by: string }[]
}
export interface Page<T> { items: T[]; total: number }
export interface RowError { row: number; field: string; code: string; message: string }
export interface ImportResult { dry_run: boolean; rows: number; created: number; merged: number; errors: RowError[]; warnings: RowError[] }
export interface CollectResult { vehicle: Vehicle; outcome: 'created' | 'merged'; warnings: { field: string; code: string; message: string }[] }

export interface Item { cover_code: string; cover_name: string | null; sum_insured: string; premium: string }
export interface ProposalLine { line: string; product_code: string | null; starts_on: string; ends_on: string; items: Item[]; premium: string | null; policy_no: string | null }
export interface Step { seq: number; action: string; from_status: string | null; to_status: string; reason: string | null; note: string | null; at: string; by: string; by_name: string | null }
export interface Proposal {
  id: string; proposal_no: string; org_id: string; status: string; unconverted_reason: string | null; source: string
  insurer_code: string | null; insurer_name: string | null; customer_name: string; vehicle_id: string | null; plate_no: string | null
  region_code: string | null; premium: string | null; lines: ProposalLine[]; created_at: string; updated_at: string; next_actions: string[]
  steps?: Step[]
}
export interface Policy {
  id: string; policy_no: string; insurer_code: string; insurer_name: string; line: string; proposal_no: string | null
  customer_name: string; plate_no: string | null; region_code: string | null; sign_date: string; starts_on: string; ends_on: string
  premium: string; items: Item[]; renews_policy_no: string | null; source: string; issued_at: string; issued_by: string
}
export interface PushTask {
  id: string; task_no: string; trigger: string; as_of: string; status: string; selected: number; pushed: number
  already_pushed: number; no_receiver: number; proposals: number; started_at: string; finished_at: string; started_by: string
}
export interface Push {
  id: string; task_no: string; plate_no: string; customer_name: string | null; line: string; expiry_date: string; region_code: string
  insurer_code: string | null; rule_code: string; rule_version: number; receiver_name: string | null; proposal_id: string
  proposal_no: string; status: string; unconverted_reason: string | null; pushed_at: string
}
export interface FunnelRow {
  key: string; label: string; pushed: number; quoted: number; issued: number; unconverted: number; open: number
  unconverted_by_reason: Record<string, number>; conversion_rate: string
}
export interface Funnel { group_by: string; rows: FunnelRow[]; total: FunnelRow }
export interface Deal {
  id: string; deal_no: string; policy_no: string; plate_no: string | null; insurer_name: string; sign_date: string
  premium: string; rate: string; fee: string; status: string; order_no: string | null; order_status: string | null; reject_reason: string | null
  promoter_subject: string | null; payout_mode: string | null; payout_fee: string | null; payout_status: string | null
  payout_order_no: string | null; payout_order_status: string | null; payout_reject_reason: string | null
}
export interface QuoteBody { insurer_code?: string | null; lines: { line: string; items: { cover_code: string; cover_name?: string | null; sum_insured?: string; premium: string }[] }[]; note?: string | null }

export const insuranceApi = {
  vehicles: (query: Query) => api.get<Page<Vehicle>>(`${base}/vehicles`, { query }),
  vehicle: (id: string) => api.get<VehicleDetail>(`${base}/vehicles/${id}`),
  collect: (body: Record<string, unknown>) => api.post<CollectResult>(`${base}/vehicles`, body, { notify: false }),
  importVehicles: (file: File, dryRun: boolean) => {
    const form = new FormData()
    form.append('file', file)
    form.append('dry_run', String(dryRun))
    return api.post<ImportResult>(`${base}/vehicles/imports`, form, { notify: false })
  },
  customers: (query: Query) => api.get<Page<Customer>>(`${base}/customers`, { query }),
  insurers: () => api.get<Record<string, string>>(`${base}/insurers`),
  proposals: (query: Query) => api.get<Page<Proposal>>(`${base}/proposals`, { query }),
  proposal: (id: string) => api.get<Proposal>(`${base}/proposals/${id}`),
  quote: (id: string, body: QuoteBody) => api.post<Proposal>(`${base}/proposals/${id}/quote`, body, { notify: false }),
  step: (id: string, step: 'submit' | 'decline', note: string | null) => api.post<Proposal>(`${base}/proposals/${id}/${step}`, { note }, { notify: false }),
  issue: (id: string, signDate: string) => api.post<Proposal>(`${base}/proposals/${id}/issue`, { sign_date: signDate }, { notify: false }),
  giveUp: (id: string, reason: string, note: string | null) => api.post<Proposal>(`${base}/proposals/${id}/unconverted`, { reason, note }, { notify: false }),
  policies: (query: Query) => api.get<Page<Policy>>(`${base}/policies`, { query }),
  pushTasks: () => api.get<Page<PushTask>>(`${base}/push-tasks`),
  runPush: (asOf: string | null) => api.post<PushTask>(`${base}/push-tasks`, { as_of: asOf }, { notify: false }),
  pushes: (query: Query) => api.get<Page<Push>>(`${base}/pushes`, { query }),
  funnel: (query: Query) => api.get<Funnel>(`${base}/pushes/funnel`, { query }),
  deals: () => api.get<Deal[]>(`${base}/deals`),
}
