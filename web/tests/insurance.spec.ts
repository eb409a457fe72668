import { describe, expect, it } from 'vitest'
import { consolePages, firstPageOf } from '@/menu/pages'
import zhCN from '@/i18n/zh-CN'
import { LINES, REASONS, STATUSES, payoutText, percent } from '@/views/insurance/labels'

describe('insurance console', () => {
  it('lands an insurance user on vehicles; every insurance page has a Chinese title', () => {
    expect(firstPageOf('insurance', { insurance: ['insurance.vehicle.query'] })?.name).toBe('insurance-vehicles')
    expect(firstPageOf('insurance', { insurance: ['insurance.proposal.query'] })?.name).toBe('insurance-proposals')
    const titles = zhCN.menu.insurance as Record<string, string>
    for (const page of consolePages.filter((p) => p.entry === 'insurance')) {
      expect(titles[page.title.replace('menu.insurance.', '')]).toMatch(/[\u4e00-\u9fa5]/)
    }
  })

  it('says the life cycle, lines and reasons in Chinese, and rates as percentages', () => {
    expect(Object.keys(STATUSES)).toEqual(['awaiting_quote', 'quoted', 'underwriting', 'issued', 'unconverted'])
    expect(STATUSES.awaiting_quote).toBe('待报价')
    expect(LINES.car_compulsory).toBe('交强险')
    expect(REASONS.bought_elsewhere).toBe('已在其他渠道购买')
    expect(percent('0.2000')).toBe('20.00%')
  })

  it('shows the promoter payout by mode, order number and status in Chinese', () => {
    const none = { payout_mode: null, payout_fee: null, payout_status: null, payout_order_no: null, payout_order_status: null, payout_reject_reason: null }
    expect(payoutText(none)).toBe('—')
    const waiting = { ...none, payout_mode: 'advance', payout_fee: '135.00' }
    expect(payoutText(waiting)).toBe('垫付（回款后支付） ¥135.00 待触发')
    const ordered = { ...waiting, payout_mode: 'non_advance', payout_status: 'ordered', payout_order_no: 'PO202612060001', payout_order_status: 'settled' }
    expect(payoutText(ordered)).toBe('非垫付（成交即付） ¥135.00 PO202612060001 已结算')
    expect(payoutText({ ...waiting, payout_status: 'rejected', payout_reject_reason: '推广人员未实名' })).toBe('垫付（回款后支付） ¥135.00 付款订单被拒：推广人员未实名')
  })
})
