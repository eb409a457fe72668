/** Risk assessment (entry `risk`): /api/risk/v1/… → risk /v1/… */
import { api, download, type Query } from './client'

const base = '/api/risk/v1'

export interface Payee { subject: string; name: string; share: string }
export interface StatusStep { from_status: string | null; to_status: string; to_status_label: string; trigger: string; by: string; at: string; note: string | null }
export interface DamageItem { part: string; severity: 'minor' | 'moderate' | 'severe'; note?: string | null }
export interface Inspection {
  operator: string; inspected_at: string; place: string; mileage_km: number
  damage_items: DamageItem[]; photos: { ref: string; caption?: string | null }[]; modified?: boolean; flood_traces?: boolean
}
export interface RiskRequest {
  id: string; request_no: string; org_id: string; org_name: string | null; reference: string | null; channel: string
  insurer_code: string; insurer_name: string; vin: string; plate_no: string | null; register_date: string
  use_nature: string; use_nature_label: string; region_code: string
  vehicle_info: { manufacturer: string | null; country: string | null; model_years: number[]; checksum_ok: boolean }
  inspection_form_version: string; inspection: Inspection
  status: string; status_label: string; latest_assessment_id: string | null; latest_grade: string | null; latest_decision: string | null
  payees: Payee[]; payees_confirmed_by: string | null; payees_confirmed_at: string | null
  created_by: string; created_at: string; updated_at: string; trajectory: StatusStep[]
}
export interface GradeCount { insurer_code: string; insurer_name: string; month: string; grade: string; count: number }
export interface RequestPage { items: RiskRequest[]; total: number; offset: number; limit: number }
export interface RequestCreate {
  reference?: string | null; applicant_org_name?: string | null
  insurer: { code: string; name: string }
  vehicle: { vin: string; plate_no?: string | null; register_date: string; use_nature: string; region_code: string }
  inspection: { form_version: string; document: Inspection }
  payees: Payee[]
}
export interface ImportReport {
  dry_run: boolean; rows: number; created: number; existing: number
  errors: { row: number; field: string; code: string; message: string }[]; request_nos: string[]
}
export interface Contribution { factor: string; name: string; source: string; value: unknown; points: string; matched: string }
export interface Assessment {
  id: string; assessment_no: string; request_id: string; seq: number; kind: string; kind_label: string
  scorecard_code: string | null; scorecard_version: number | null; input_snapshot: Record<string, unknown>
  contributions: Contribution[]; hard_stops: string[]; review_triggers: string[]; total_points: string | null
  grade: string; decision: string; decision_label: string; overrides_id: string | null; reason: string | null
  grade_before: string | null; decision_before: string | null; assessed_by: string; assessed_at: string
}
export interface WhatIf {
  draft_version: number; live_version: number | null; compared: number; grade_changed: number; decision_changed: number
  shifts: { from_grade: string | null; to_grade: string; count: number }[]; examples: string[]; at: string; by: string
}
export interface Scorecard {
  id: string; code: string; version: number; name: string; status: string; status_label: string; effective_from: string
  definition: Record<string, unknown>; note: string | null; created_by: string; created_at: string; updated_by: string
  updated_at: string; published_by: string | null; published_at: string | null; what_if: WhatIf | null; live: boolean
}
export interface Fact { code: string; kind: string; label: string }
export interface ExportJob {
  id: string; export_no: string; insurer_code: string; filters: Record<string, unknown>; status: string; status_label: string
  total: number | null; processed: number; error: string | null; file_name: string | null; created_by: string
  created_at: string; updated_at: string; finished_at: string | null
}
export interface BatchItem {
  id: string; request_id: string; request_no: string; assessment_no: string; vin: string; grade: string
  result: string; result_label: string; note: string | null; decided_by: string | null; decided_at: string | null; decided_via: string | null
}
export interface Payout { subject: string; name: string; amount: string; lines: { request_no: string; share_bp: number; amount_fen: number }[]; status: string; status_label: string; order_no: string | null; rejected_reason: string | null }
export interface Batch {
  id: string; batch_no: string; org_id: string; org_name: string | null; insurer_code: string; insurer_name: string
  period_from: string; period_to: string; unit_fee: string; promoter_fee: string; status: string; status_label: string
  amount: string | null; order_no: string | null; order_status: string | null; rejected_code: string | null; rejected_reason: string | null
  counts: Record<string, number>; created_by: string; created_at: string; confirmed_by: string | null; confirmed_at: string | null
  items: BatchItem[]; payouts: Payout[]
}
export interface StatementReport { rows: number; matched: number; accepted: number; rejected: number; disputed: number; unmatched: { row: number; assessment_no: string | null; vin: string | null; reason: string }[] }

function form(file: File): FormData {
  const data = new FormData()
  data.append('file', file)
  return data
}

export const riskApi = {
  requests: (query: Query) => api.get<RequestPage>(`${base}/requests`, { query }),
  gradeDistribution: (months = 6) => api.get<GradeCount[]>(`${base}/requests/grade-distribution`, { query: { months } }),
  request: (id: string) => api.get<RiskRequest>(`${base}/requests/${id}`),
  createRequest: (body: RequestCreate) => api.post<RiskRequest>(`${base}/requests`, body, { query: { channel: 'console' }, notify: false }),
  importRequests: (file: File, dryRun: boolean) =>
    api.post<ImportReport>(`${base}/requests/import`, form(file), { query: { dry_run: dryRun }, notify: false }),
  confirmPayees: (id: string) => api.post<RiskRequest>(`${base}/requests/${id}/payees/confirm`, undefined, { notify: false }),
  assessments: (id: string) => api.get<Assessment[]>(`${base}/requests/${id}/assessments`),
  reassess: (id: string) => api.post<Assessment>(`${base}/requests/${id}/assessments`, undefined, { notify: false }),
  override: (id: string, body: { grade: string; decision: string; reason: string }) =>
    api.post<Assessment>(`${base}/requests/${id}/assessments/override`, body, { notify: false }),
  sheetUrl: (assessmentId: string) => `${base}/assessments/${assessmentId}/sheet`,

  scorecards: () => api.get<Scorecard[]>(`${base}/scorecards`),
  facts: () => api.get<Fact[]>(`${base}/scorecards/facts`),
  createScorecard: (body: Record<string, unknown>) => api.post<Scorecard>(`${base}/scorecards`, body, { notify: false }),
  updateScorecard: (id: string, body: Record<string, unknown>) => api.patch<Scorecard>(`${base}/scorecards/${id}`, body, { notify: false }),
  whatIf: (id: string) => api.post<WhatIf>(`${base}/scorecards/${id}/what-if`, undefined, { notify: false }),
  publish: (id: string) => api.post<Scorecard>(`${base}/scorecards/${id}/publish`, undefined, { notify: false }),

  exports: () => api.get<ExportJob[]>(`${base}/exports`),
  exportJob: (id: string) => api.get<ExportJob>(`${base}/exports/${id}`),
  startExport: (body: { insurer_code: string; status?: string | null; created_from?: string | null; created_to?: string | null }) =>
    api.post<ExportJob>(`${base}/exports`, body, { notify: false }),
  downloadExport: (job: ExportJob) => download(`${base}/exports/${job.id}/download`, `${job.export_no}.xlsx`),

  batches: () => api.get<Batch[]>(`${base}/reconciliations`),
  batch: (id: string) => api.get<Batch>(`${base}/reconciliations/${id}`),
  createBatch: (body: Record<string, unknown>) => api.post<Batch>(`${base}/reconciliations`, body, { notify: false }),
  decide: (id: string, itemId: string, body: { result: string; note?: string | null }) =>
    api.put<Batch>(`${base}/reconciliations/${id}/items/${itemId}`, body, { notify: false }),
  statement: (id: string, file: File) => api.post<StatementReport>(`${base}/reconciliations/${id}/statement`, form(file), { notify: false }),
  confirm: (id: string) => api.post<Batch>(`${base}/reconciliations/${id}/confirm`, undefined, { notify: false }),
}
