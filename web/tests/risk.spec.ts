import { describe, expect, it, vi } from 'vitest'
import { consolePages, firstPageOf } from '@/menu/pages'
import { riskMessage, fieldLabel } from '@/views/risk/problems'
import zhCN from '@/i18n/zh-CN'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import { ApiError, configureClient, resetClientState } from '@/api/client'
import { createAppRouter } from '@/router'
import { createAppI18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import RequestDetailPage from '@/views/risk/RequestDetailPage.vue'
import ReconciliationPage from '@/views/risk/ReconciliationPage.vue'
import { jsonResponse, makeSession } from './fixtures'

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


const RISK = ['risk.form.query', 'risk.form.collect', 'risk.assessment.query', 'risk.assessment.run', 'risk.assessment.override', 'risk.reconciliation.query', 'risk.reconciliation.manage']
const REQUEST = {
  id: 'r-1', request_no: 'PG20261015000001', org_id: 'o', org_name: '云鹰保险技术服务有限公司', reference: 'yy-1', channel: 'api',
  insurer_code: 'PICC', insurer_name: '中国人保财险', vin: 'LSVAM4187C2184847', plate_no: '浙A12345', register_date: '2024-03-01',
  use_nature: 'private', use_nature_label: '家庭自用', region_code: '330100',
  vehicle_info: { manufacturer: 'SAIC Volkswagen', country: 'China', model_years: [2012], checksum_ok: true },
  inspection_form_version: 'v2',
  inspection: { operator: '王验车', inspected_at: '2026-10-14T02:00:00Z', place: '杭州', mileage_km: 32000, damage_items: [{ part: '前保险杠', severity: 'minor' }], photos: [] },
  status: 'assessed', status_label: '已评估', latest_assessment_id: 'a-1', latest_grade: 'A', latest_decision: 'accept',
  payees: [{ subject: 'p1', name: '张三', share: '100.00' }], payees_confirmed_by: null, payees_confirmed_at: null,
  created_by: 'clerk', created_at: '2026-10-15T08:00:00Z', updated_at: '2026-10-15T08:00:00Z',
  trajectory: [{ from_status: null, to_status: 'submitted', to_status_label: '待评估', trigger: 'submitted', by: 'clerk', at: '2026-10-15T08:00:00Z', note: null }],
}
const ASSESSMENT = {
  id: 'a-1', assessment_no: 'PG20261015000001-01', request_id: 'r-1', seq: 1, kind: 'automatic', kind_label: '自动评估',
  scorecard_code: 'VEHICLE', scorecard_version: 1, input_snapshot: {}, hard_stops: [], review_triggers: [], total_points: '110',
  contributions: [{ factor: 'vehicle_age', name: '车龄', source: 'vehicle_age_years', value: '2.58', points: '15', matched: '3年以内' }],
  grade: 'A', decision: 'accept', decision_label: '通过', overrides_id: null, reason: null, grade_before: null, decision_before: null,
  assessed_by: 'clerk', assessed_at: '2026-10-15T08:00:00Z',
}

describe('risk pages', () => {
  async function mountAt(path: string, component: unknown, answers: (url: string) => unknown) {
    resetClientState()
    vi.stubGlobal('fetch', vi.fn((url: string) => Promise.resolve(jsonResponse(answers(String(url))))))
    configureClient({ notifyError: () => undefined })
    const pinia = createPinia()
    setActivePinia(pinia)
    useSessionStore().set(makeSession({ functions: { risk: RISK }, entries: [{ code: 'risk', kind: 'business', name_zh: '风险评估', name_en: 'Risk', icon: null, launch_url: '/console/risk', tenant_system: false }] }))
    const router = createAppRouter(createMemoryHistory())
    await router.push(path)
    const wrapper = mount(component as never, { global: { plugins: [pinia, router, createAppI18n('zh-CN'), ElementPlus], components: Icons } })
    await flushPromises()
    return wrapper
  }

  it('shows a request with its grade, reasons and numbers, never ids', async () => {
    const wrapper = await mountAt('/console/risk/requests/r-1', RequestDetailPage, (url) =>
      url.endsWith('/assessments') ? [ASSESSMENT] : REQUEST)
    const text = wrapper.text()
    expect(text).toContain('评估单 PG20261015000001')
    expect(text).toContain('PG20261015000001-01')
    expect(text).toContain('车龄')
    expect(text).toContain('确认分配比例')
    expect(text).not.toContain('r-1')
  })

  it('lists reconciliation batches by number', async () => {
    const wrapper = await mountAt('/console/risk/reconciliation', ReconciliationPage, () => [{
      id: 'b-1', batch_no: 'DZ20261015000001', org_id: 'o', org_name: '云鹰保险技术服务有限公司', insurer_code: 'PICC', insurer_name: '中国人保财险',
      period_from: '2026-10-01', period_to: '2026-10-31', unit_fee: '300.00', promoter_fee: '80.00', status: 'billed', status_label: '已开单',
      amount: '600.00', order_no: 'OC20261015000001', order_status: 'created', rejected_code: null, rejected_reason: null, counts: { accepted: 2 },
      created_by: 'clerk', created_at: '2026-10-15T08:00:00Z', confirmed_by: 'clerk', confirmed_at: '2026-10-15T08:00:00Z', items: [], payouts: [],
    }])
    expect(wrapper.text()).toContain('DZ20261015000001')
    expect(wrapper.text()).toContain('OC20261015000001')
  })
})
