/** zh-CN words for the coupon module's codes (services, states, batch kinds, lines) and its problems. */
import { ApiError } from '@/api/client'
import { describeFieldError, describeProblem } from '@/api/messages'

export const SERVICES: Record<string, string> = {
  wash: '洗车', designated_driving: '代驾', maintenance: '保养', inspection: '年检代办', rescue: '道路救援', other: '其他',
}
export const COUPON_STATUSES: Record<string, string> = {
  issued: '已发放', redeemed: '已核销', settled: '已结算', expired: '已过期', voided: '已作废',
}
export const BATCH_KINDS: Record<string, string> = { insurer: '保司发券', self_issued: '自主发券' }
export const VALIDITY: Record<string, string> = { fixed: '固定有效期', days_after_issue: '发券后 N 天' }
export const STATEMENT_STATUSES: Record<string, string> = { open: '待确认', confirmed: '已确认', paid: '已付款' }
export const LINE_STATUSES: Record<string, string> = { pending: '待确认', confirmed: '已确认', disputed: '有异议' }
export const LINES: Record<string, string> = { car_commercial: '商业险', car_compulsory: '交强险', non_car: '非车险', life: '寿险' }
export const STATS_BY: Record<string, string> = { merchant: '商户', product: '卡券产品', region: '地区', hour: '时段' }

export const label = (map: Record<string, string>, code: string | null | undefined) => (code ? map[code] ?? code : '—')
export const couponTag = (s: string) =>
  s === 'issued' ? 'primary' : s === 'redeemed' ? 'success' : s === 'settled' ? 'info' : 'danger'
export const statementTag = (s: string) => (s === 'paid' ? 'success' : s === 'confirmed' ? 'primary' : 'warning')

/** Progress of a batch in whole percent (issued of quantity), never above 100. */
export function progress(issued: number, quantity: number): number {
  if (quantity <= 0) return 0
  return Math.min(100, Math.floor((issued * 100) / quantity))
}

/**
 * One line a person at the counter understands, for a failed check or redemption: the problem
 * in words, and when the service named a detail (a date, a product) it is said too.
 */
export function redeemMessage(e: unknown): string {
  if (!(e instanceof ApiError)) return '核销未成功，请重试。'
  const words = describeProblem(e.problem)
  const detail = e.problem.errors?.find((f) => f.code === 'coupon_expired' || f.code === 'coupon_not_yet_valid')
  const date = detail ? /(\d{4}-\d{2}-\d{2})/.exec(detail.message)?.[1] : undefined
  if (date && e.code === 'coupon_expired') return `${words}（有效期至 ${date}）`
  if (date && e.code === 'coupon_not_yet_valid') return `${words}（${date} 起可用）`
  if (e.code === 'validation_failed' && e.problem.errors?.length) return `${words}（${describeFieldError(e.problem.errors[0])}）`
  return words
}

/** What people type or a scanner sends, tidied for display: "abcd efgh-ijkl" → "ABCD-EFGH-IJKL". */
export function tidyCode(text: string): string {
  const plain = text.toUpperCase().replace(/[^0-9A-Z]/g, '')
  if (plain.length !== 12) return text.trim().toUpperCase()
  return `${plain.slice(0, 4)}-${plain.slice(4, 8)}-${plain.slice(8)}`
}
