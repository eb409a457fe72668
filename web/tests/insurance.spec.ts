import { describe, expect, it } from 'vitest'
import { consolePages, firstPageOf } from '@/menu/pages'
import zhCN from '@/i18n/zh-CN'
import { LINES, REASONS, STATUSES, percent } from '@/views/insurance/labels'

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
})
