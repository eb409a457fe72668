/** zh-CN words for the insurance entry's codes (statuses, lines, reasons, sources). */
export const LINES: Record<string, string> = { car_commercial: '商业险', car_compulsory: '交强险', non_car: '非车险', life: '寿险' }
export const STATUSES: Record<string, string> = {
  awaiting_quote: '待报价', quoted: '已报价', underwriting: '核保中', issued: '已出单', unconverted: '未成交',
}
export const ACTIONS: Record<string, string> = {
  create: '创建', quote: '报价', submit: '提交核保', decline: '核保退回', issue: '出单', give_up: '未成交',
}
export const REASONS: Record<string, string> = {
  bought_elsewhere: '已在其他渠道购买', not_due: '未到续保期', not_owner: '非车主本人', no_answer: '无人接听',
  refused: '客户拒绝', wrong_number: '号码错误', other_city: '车辆在外地', price: '价格原因', sold_vehicle: '车辆已出售', other: '其他',
}
export const SOURCES: Record<string, string> = {
  wechat_oa: '微信公众号', mini_program: '小程序', import_file: '批量导入', proposal: '投保单', policy: '保单', manual: '手工录入',
  push: '推送', import: '导入', issued: '本系统出单', recorded: '保司下载',
}
export const USE_NATURES: Record<string, string> = {
  private: '非营运（家庭自用）', company_non_operating: '企业非营运', operating_passenger: '营运客车',
  operating_freight: '营运货车', rental: '租赁', ride_hailing: '网约车',
}
export const DEAL_STATUSES: Record<string, string> = { requested: '已申请订单', billed: '已生成订单', rejected: '订单被拒' }
export const ORDER_STATUSES: Record<string, string> = {
  created: '已创建', reconciled: '已对账', invoice_applied: '已申请开票', invoiced: '已开票', settled: '已结算', closed: '已关闭', cancelled: '已取消',
}
export const PAYOUT_MODES: Record<string, string> = { advance: '垫付（回款后支付）', non_advance: '非垫付（成交即付）' }
export const PAYOUT_STATUSES: Record<string, string> = { requested: '已申请付款订单', ordered: '已生成付款订单', rejected: '付款订单被拒' }
/** The promoter's payout as people read it: mode, fee, then the order number and status (or why not). */
export const payoutText = (d: {
  payout_mode: string | null; payout_fee: string | null; payout_status: string | null
  payout_order_no: string | null; payout_order_status: string | null; payout_reject_reason: string | null
}) => {
  if (!d.payout_mode) return '—'
  const head = `${label(PAYOUT_MODES, d.payout_mode)} ¥${d.payout_fee}`
  if (!d.payout_status) return `${head} 待触发`
  if (d.payout_status === 'rejected') return `${head} ${PAYOUT_STATUSES.rejected}：${d.payout_reject_reason ?? ''}`
  if (!d.payout_order_no) return `${head} ${label(PAYOUT_STATUSES, d.payout_status)}`
  return `${head} ${d.payout_order_no} ${label(ORDER_STATUSES, d.payout_order_status)}`
}
export const GROUPS: Record<string, string> = { receiver: '接收机构', region: '地区', insurer: '保险公司', rule: '推送规则', month: '推送月份' }
export const statusTag = (s: string) => (s === 'issued' ? 'success' : s === 'unconverted' ? 'danger' : s === 'awaiting_quote' ? 'warning' : 'info')
export const label = (map: Record<string, string>, code: string | null | undefined) => (code ? map[code] ?? code : '—')
/** "0.2500" → "25.00%" */
export const percent = (rate: string) => `${(Number(rate) * 100).toFixed(2)}%`
