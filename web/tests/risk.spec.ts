import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { consolePages, firstPageOf } from '@/menu/pages'
import { riskMessage, fieldLabel } from '@/views/risk/problems'
import zhCN from '@/i18n/zh-CN'

describe('risk console', () => {
  it('says risk problems and their fields in Chinese', () => {
    const e = new ApiError(
      {
        status: 422,
        code: 'validation_failed',
        errors: [
          { field: 'body.vehicle.vin', code: 'value_error', message: 'a VIN is 17 letters' },
          { field: 'body.payees', code: 'shares_not_whole', message: 'sum to 100' },
        ],
      },
      'invalid',
    )
    expect(riskMessage(e)).toBe('填写有误，请按提示修改（车架号：格式不正确；业务员及比例：比例合计须为 100%）')
    expect(riskMessage(new ApiError({ status: 409, code: 'what_if_required' }, 'x'))).toBe('发布前请先做试算对比（what-if）')
    expect(fieldLabel('body.payees.0.share')).toBe('业务员及比例')
  })

  it('lands a risk user on the requests list; every risk page has a Chinese title', () => {
    const first = firstPageOf('risk', { risk: ['risk.form.query', 'risk.assessment.query'] })
    expect(first?.name).toBe('risk-requests')
    const titles = zhCN.menu.risk as Record<string, string>
    for (const page of consolePages.filter((p) => p.entry === 'risk')) {
      expect(titles[page.title.replace('menu.risk.', '')]).toBeTruthy()
    }
  })
})
