/** Value-added services (entry `valueadd`, 增值服务): /api/valueadd/v1/… → valueadd /v1/… */
import { api, type Query } from './client'

const base = '/api/valueadd/v1'

export interface Page<T> { items: T[]; total: number }

// 卡券: products, issue rules, batches, coupons
export interface CouponProduct {
  id: string; code: string; name: string; service: string; face_value: string; insurer_price: string; settlement_price: string
  validity_kind: 'fixed' | 'days_after_issue'; valid_from: string | null; valid_to: string | null; valid_days: number | null
  region_codes: string[]; car_models: string[]; active: boolean; created_by: string; created_at: string
}
export interface IssueRule {
  id: string; insurer_code: string; insurer_name: string | null; line: string; insurance_product_code: string
  product_id: string; product_code: string; product_name: string; quantity_per_policy: number; billed_org_id: string
  active: boolean; created_by: string; created_at: string
}
export interface Batch {
  id: string; batch_no: string; kind: 'insurer' | 'self_issued'; product_id: string; product_code: string; product_name: string
  quantity: number; issued_count: number; policy_no: string | null; note: string | null; created_by: string; created_at: string
}
export interface Holder { customer_ref?: string | null; name?: string | null; mobile_masked?: string | null; plate_no?: string | null; vin?: string | null; policy_no?: string | null }
export interface CouponStep { from_status: string | null; to_status: string; at: string; by: string; note: string | null }
export interface Coupon {
  id: string; code: string; status: string; batch_no: string; batch_kind: string; product_code: string; product_name: string
  face_value: string; holder_ref: string | null; holder_name: string | null; holder_mobile_masked: string | null
  plate_no: string | null; vin: string | null; policy_no: string | null; valid_from: string; valid_to: string
  issued_at: string; redeemed_at: string | null; settled_at: string | null; trail: CouponStep[]
}

// 商户
export interface Store { id: string; name: string; address: string; region_code: string; latitude: string | null; longitude: string | null; active: boolean }
export interface MerchantSummary { id: string; org_id: string; name: string; region_code: string; services: string[]; store_count: number }
export interface Merchant extends Omit<MerchantSummary, 'store_count'> {
  stores: Store[]
  staff: { subject: string; name: string; store_id: string | null; store_name: string | null; active: boolean }[]
  prices: { product_id: string; product_code: string; product_name: string; settlement_price: string }[]
}

// 核销
export interface RedeemBody { code: string; store_id?: string | null; car_model?: string | null }
export interface RedemptionCheck {
  coupon_code: string; product_code: string; product_name: string; face_value: string; holder_name: string | null; plate_no: string | null
  valid_from: string; valid_to: string; merchant_name: string; store_name: string; settlement_price: string
}
export interface Redemption {
  id: string; redemption_no: string; coupon_code: string; product_code: string; product_name: string; merchant_id: string
  merchant_name: string; store_name: string; region_code: string; staff_name: string; redeemed_at: string; car_model: string | null
  settlement_price: string; statement_id: string | null; order_no: string | null
}
export interface StatsRow { key: string; label: string; count: number; settlement_amount: string }

// 对账
export interface StatementLine {
  redemption_no: string; coupon_code: string; product_code: string; product_name: string; store_name: string; redeemed_at: string
  settlement_price: string; status: 'pending' | 'confirmed' | 'disputed'; dispute_reason: string | null; decided_by: string | null; decided_at: string | null
}
export interface Statement {
  id: string; statement_no: string; merchant_id: string; merchant_name: string; period_from: string; period_to: string
  status: 'open' | 'confirmed' | 'paid'; line_count: number; total: string; confirmed_total: string; created_by: string; created_at: string
  confirmed_by: string | null; confirmed_at: string | null; paid_at: string | null; payout_order_no: string | null
  settlement_order_nos: string[]; lines: StatementLine[]
}

// 商城
export interface MallSku { id: string; sku_code: string; name: string; price: string; market_price: string; cost: string; stock: number }
export interface MallProduct { id: string; code: string; name: string; service: string; description: string | null; active: boolean; skus: MallSku[]; created_by: string; created_at: string }
export interface MallOrder {
  id: string; order_no: string; product_name: string; sku_code: string; sku_name: string; quantity: number; unit_price: string; amount: string
  buyer_ref: string; buyer_name: string | null; status: 'pending_payment' | 'paid' | 'payment_failed'; payment_channel: string | null
  payment_txn_no: string | null; paid_at: string | null; created_by: string; created_at: string; center_order_no: string | null
}

/** A key per redemption attempt: a retry of the same press gets the first answer. */
export function idempotencyKey(): string {
  const c = globalThis.crypto
  if (c && 'randomUUID' in c) return `redeem-${c.randomUUID()}`
  return `redeem-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`
}

export const valueaddApi = {
  products: () => api.get<CouponProduct[]>(`${base}/coupon-products`),
  createProduct: (body: Record<string, unknown>) => api.post<CouponProduct>(`${base}/coupon-products`, body, { notify: false }),
  rules: () => api.get<IssueRule[]>(`${base}/issue-rules`),
  batches: () => api.get<Batch[]>(`${base}/batches`),
  createBatch: (body: { product_id: string; quantity: number; holders: Holder[]; per_holder?: number; note?: string | null }) =>
    api.post<Batch>(`${base}/batches`, body, { notify: false }),
  issueMore: (id: string, count: number) => api.post<Batch>(`${base}/batches/${id}/issue`, { count }, { notify: false }),
  coupons: (query: Query) => api.get<Page<Coupon>>(`${base}/coupons`, { query }),
  coupon: (code: string) => api.get<Coupon>(`${base}/coupons/${encodeURIComponent(code)}`),
  couponQrUrl: (code: string) => `${base}/coupons/${encodeURIComponent(code)}/qr.svg`,
  voidCoupon: (code: string, reason: string) => api.post<Coupon>(`${base}/coupons/${encodeURIComponent(code)}/void`, { reason }, { notify: false }),

  merchants: (query: Query = {}) => api.get<MerchantSummary[]>(`${base}/merchants`, { query }),
  myMerchant: () => api.get<Merchant>(`${base}/merchants/me`, { notify: false }),

  check: (body: RedeemBody) => api.post<RedemptionCheck>(`${base}/redemptions/check`, body, { notify: false }),
  redeem: (body: RedeemBody, key: string) =>
    api.post<Redemption>(`${base}/redemptions`, body, { notify: false, headers: { 'Idempotency-Key': key } }),
  redemptions: (query: Query) => api.get<Page<Redemption>>(`${base}/redemptions`, { query }),
  stats: (query: Query & { by: 'merchant' | 'product' | 'region' | 'hour' }) => api.get<StatsRow[]>(`${base}/redemptions/stats`, { query }),

  statements: (query: Query = {}) => api.get<Statement[]>(`${base}/statements`, { query }),
  statement: (id: string) => api.get<Statement>(`${base}/statements/${id}`),
  createStatement: (body: { merchant_id: string; period_from: string; period_to: string }) =>
    api.post<Statement>(`${base}/statements`, body, { notify: false }),
  confirmLine: (id: string, redemptionNo: string) => api.post<Statement>(`${base}/statements/${id}/lines/${redemptionNo}/confirm`, undefined, { notify: false }),
  disputeLine: (id: string, redemptionNo: string, reason: string) =>
    api.post<Statement>(`${base}/statements/${id}/lines/${redemptionNo}/dispute`, { reason }, { notify: false }),
  mallProducts: () => api.get<MallProduct[]>(`${base}/mall/products`),
  createMallProduct: (body: Record<string, unknown>) => api.post<MallProduct>(`${base}/mall/products`, body, { notify: false }),
  addStock: (skuId: string, count: number) => api.post<MallSku>(`${base}/mall/skus/${skuId}/stock`, { count }, { notify: false }),
  mallOrders: (query: Query) => api.get<Page<MallOrder>>(`${base}/mall/orders`, { query }),

  confirmStatement: (id: string) => api.post<Statement>(`${base}/statements/${id}/confirm`, undefined, { notify: false }),
}
