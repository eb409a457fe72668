/** zh-CN words for the mall's codes. */
export const PAYMENT_STATES: Record<string, string> = { pending_payment: '待支付', paid: '已支付', payment_failed: '支付失败' }
export const CHANNELS: Record<string, string> = { wechat_pay: '微信支付', alipay: '支付宝', unionpay: '银联' }
export const paymentTag = (s: string) => (s === 'paid' ? 'success' : s === 'payment_failed' ? 'danger' : 'warning')
