/** 智能挪车牌 (entry `valueadd`): /api/valueadd/v1/plates… → valueadd /v1/plates… */
import { api, type Query } from './client'

const base = '/api/valueadd/v1'

export interface Page<T> { items: T[]; total: number }
export interface PlateStep { from_status: string | null; to_status: string; at: string; by: string; reason: string | null }
export interface Plate {
  id: string; plate_no: string; batch_no: string; status: string; promoter_subject: string | null; promoter_name: string | null
  insurer_org_id: string | null; purchase_no: string | null; customer_ref: string | null; customer_name: string | null
  vehicle_plate_no: string | null; owner_mobile: string | null; scan_url: string
  created_by: string; created_at: string; updated_by: string; updated_at: string; steps: PlateStep[]
}
export interface PlateBatch { id: string; batch_no: string; quantity: number; note: string | null; created_by: string; created_at: string; by_status: Record<string, number> }
export interface CallRecord {
  id: string; provider: string; session_id: string; plate_no: string; caller_number: string; virtual_number: string
  started_at: string; ended_at: string; duration_seconds: number; billable_seconds: number; fee: string
  rate_card_version: number | null; received_at: string
}
export interface CallPage extends Page<CallRecord> { billable_seconds: number; fee: string }

export const platesApi = {
  plates: (query: Query) => api.get<Page<Plate>>(`${base}/plates`, { query }),
  batches: () => api.get<PlateBatch[]>(`${base}/plate-batches`),
  createBatch: (body: { quantity: number; note?: string }) => api.post<PlateBatch>(`${base}/plate-batches`, body, { notify: false }),
  calls: (query: Query) => api.get<CallPage>(`${base}/plate-calls`, { query }),
}
