/** Order center (entry `orders`): /api/orders/v1/… → orders /v1/… */
import { api, download, type Query } from './client'

const base = '/api/orders/v1/orders'

export const ORDER_CATEGORIES = [
  'value_added_redemption', 'value_added_settlement', 'risk_assessment', 'channel_promotion_fee',
  'plate_purchase', 'plate_call_fee', 'plate_combined_settlement', 'technical_service',
  'promoter_payout', 'merchant_payout', 'org_top_up',
] as const
export const ORDER_STATUSES = ['created', 'reconciled', 'invoice_applied', 'invoiced', 'settled', 'closed', 'cancelled'] as const
export const DIRECTIONS = ['receivable', 'payable'] as const
export const SELLERS = ['agency_company', 'technology_company'] as const

export interface OrderSummary {
  id: string; order_no: string; category: string; direction: string; customer_org_id: string
  counterparty: { name: string; id: string | null } | null; seller: string | null
  amount: string; currency: string; tax_rate: string | null; status: string
  invoiced_amount: string; settled_amount: string; source_service: string; source_ref: string
  sign_date: string | null; created_by: string; created_at: string; invoiced_at: string | null; settled_at: string | null
}
export interface StatusChange { from_status: string | null; to_status: string; at: string; by: string; by_name?: string | null; cause: string | null; note: string | null }
export interface Review { id: string; rating: number; text: string | null; tags: string[]; reviewer: string | null; recorded_by: string; created_at: string }
export interface FinanceRecord {
  event_type: string; event_id: string; document_no: string; amount: string; reason: string | null
  by: string; occurred_at: string; outcome: string; note: string | null
}
export interface OrderLine { line_no: number; description: string; quantity: string; unit_price: string; tax_rate: string | null; amount: string }
export interface Order extends OrderSummary {
  lines: OrderLine[]; extension: Record<string, unknown> | null; next_statuses: string[]
  trajectory: StatusChange[]; reviews: Review[]; finance_records: FinanceRecord[]
}
export interface OrderPage { items: OrderSummary[]; next_cursor: string | null }
export interface SettlementSelection { customer_org_id: string; category: string; sign_date_from: string; sign_date_to: string }
export interface SettlementPreview { count: number; amount: string; orders: OrderSummary[] }
export interface SettlementList {
  id: string; list_no: string; customer_org_id: string; category: string; sign_date_from: string; sign_date_to: string
  order_count: number; amount: string; created_by: string; created_at: string; order_ids: string[]; billing_order: Order
}
export interface Job {
  id: string; status: string; total: number | null; processed: number; error: string | null
  created_by: string; created_at: string; updated_at: string; finished_at: string | null
}
export interface ImportJob extends Job { filename: string; file_format: string; dry_run: boolean; created: number; skipped: number; failed: number }
export interface ExportJob extends Job { filters: Record<string, unknown>; file_name: string | null }
export interface TotalsRow { period: string; category: string; status: string; customer_org_id: string; count: number; amount: string }
export interface Totals { period: 'day' | 'month'; rows: TotalsRow[]; count: number; amount: string }
export interface CycleTimes {
  steps: { start: string; end: string; count: number; p50_seconds: number | null; p90_seconds: number | null; operators: { by: string; count: number }[] }[]
  creators: { by: string; count: number }[]
}
export interface UsageRow { key: string; count: number; amount: string }
export interface Usage { by_car_model: UsageRow[]; by_city: UsageRow[]; by_hour: UsageRow[]; by_weekday: UsageRow[] }
export interface ReviewScores { by: string; items: { id: string; name: string; count: number; average: string }[] }

export const ordersApi = {
  list: (query: Query) => api.get<OrderPage>(base, { query }),
  get: (id: string) => api.get<Order>(`${base}/${id}`),
  /** One order typed in by a person (单笔录入); `source_ref` is the business reference. */
  create: (body: Record<string, unknown>) => api.post<Order>(base, body, { notify: false }),
  transition: (id: string, to: string, note?: string) => api.post<Order>(`${base}/${id}/transitions`, { to, note: note || null }),
  review: (id: string, body: { rating: number; text?: string | null; tags?: string[] }) =>
    api.post<Review>(`${base}/${id}/reviews`, body, { notify: false }),

  previewSettlement: (body: SettlementSelection) =>
    api.post<SettlementPreview>(`${base}/settlement-lists/preview`, body, { notify: false }),
  createSettlement: (body: SettlementSelection & { seller?: string | null; tax_rate?: string | null }) =>
    api.post<SettlementList>(`${base}/settlement-lists`, body, { notify: false }),
  settlement: (id: string) => api.get<SettlementList>(`${base}/settlement-lists/${id}`),

  totals: (query: Query) => api.get<Totals>(`${base}/analysis/totals`, { query }),
  cycleTimes: (query: Query) => api.get<CycleTimes>(`${base}/analysis/cycle-times`, { query }),
  usage: (query: Query) => api.get<Usage>(`${base}/analysis/value-added-usage`, { query }),
  reviews: (query: Query) => api.get<ReviewScores>(`${base}/analysis/reviews`, { query }),

  startImport: (file: File, dryRun: boolean) =>
    api.post<ImportJob>(`${base}/imports`, file, {
      query: { filename: file.name, dry_run: dryRun },
      headers: { 'Content-Type': file.name.toLowerCase().endsWith('.xlsx') ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv' },
    }),
  importJob: (id: string) => api.get<ImportJob>(`${base}/imports/${id}`),
  resumeImport: (id: string) => api.post<ImportJob>(`${base}/imports/${id}/resume`),
  importErrors: (id: string) => download(`${base}/imports/${id}/errors`, `import-${id}-errors.csv`),

  startExport: (filters: Record<string, unknown>) => api.post<ExportJob>(`${base}/exports`, filters),
  exportJob: (id: string) => api.get<ExportJob>(`${base}/exports/${id}`),
  downloadExport: (id: string) => download(`${base}/exports/${id}/download`, `orders-${id}.xlsx`),
}
