import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import { configureClient, resetClientState } from '@/api/client'
import { createAppRouter } from '@/router'
import { createAppI18n } from '@/i18n'
import { consolePages } from '@/menu/pages'
import { useSessionStore } from '@/stores/session'
import PlatesPage from '@/views/valueadd/plates/PlatesPage.vue'
import PlateCallsPage from '@/views/valueadd/plates/PlateCallsPage.vue'
import { PLATE_STATES } from '@/views/valueadd/plates/labels'
import { jsonResponse, makeSession } from './fixtures'

const ENTRY = { code: 'valueadd', kind: 'business' as const, name_zh: '增值服务', name_en: 'Value-added services', icon: null, launch_url: '/console/valueadd', tenant_system: false }
const PLATES = ['valueadd.plate', 'valueadd.plate.query']

async function mountPage(path: string, component: unknown, answer: () => Response) {
  resetClientState()
  const urls: string[] = []
  vi.stubGlobal('fetch', vi.fn((url: string) => { urls.push(String(url)); return Promise.resolve(answer()) }))
  configureClient({ notifyError: () => undefined })
  const pinia = createPinia()
  setActivePinia(pinia)
  useSessionStore().set(makeSession({ functions: { valueadd: PLATES }, entries: [ENTRY] }))
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  const wrapper = mount(component as never, { global: { plugins: [pinia, router, createAppI18n('zh-CN'), ElementPlus], components: Icons } })
  await flushPromises()
  return { wrapper, urls }
}

describe('valueadd console: move-car plates', () => {
  it('lists plates by number with their state in Chinese, never ids or owner numbers in full', async () => {
    const plate = {
      id: 'p-uuid-1', plate_no: 'PB20261120000001-00001', batch_no: 'PB20261120000001', status: 'active', promoter_subject: 'demo-promoter-wang',
      promoter_name: '业务员王强', insurer_org_id: 'org-uuid-9', purchase_no: 'PP20261120000001', customer_ref: 'DEMO-C-0001', customer_name: '张三',
      vehicle_plate_no: '沪A12345', owner_mobile: '138****8000', scan_url: 'http://127.0.0.1:8000/m/plate/tok', created_by: 'u', created_at: '2026-11-20T02:00:00Z',
      updated_by: 'u', updated_at: '2026-11-20T02:00:00Z', steps: [],
    }
    const { wrapper, urls } = await mountPage('/console/valueadd/plates', PlatesPage, () => jsonResponse({ items: [plate], total: 1 }))
    const text = wrapper.text()
    expect(text).toContain('PB20261120000001-00001')
    expect(text).toContain('使用中')
    expect(text).toContain('PP20261120000001')
    expect(text).toContain('138****8000')
    expect(text).not.toContain('p-uuid-1')
    expect(text).not.toContain('org-uuid-9')
    await wrapper.find('[data-test="plate-no"]').setValue('PB20261120000001-00001')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(urls[urls.length - 1]).toContain('plate_no=PB20261120000001-00001')
    expect(consolePages.find((p) => p.name === 'valueadd-plates')?.requires).toEqual(['valueadd.plate.query'])
    expect(Object.keys(PLATE_STATES)).toHaveLength(8)
  })

  it('lists call records with billable seconds, fees and the totals, the caller masked', async () => {
    const call = {
      id: 'c-uuid-1', provider: 'local', session_id: 'DEMO-CALL-1', plate_no: 'PB20261120000001-00001', caller_number: '139****9000',
      virtual_number: '17100000001', started_at: '2026-11-20T02:01:00Z', ended_at: '2026-11-20T02:02:15Z', duration_seconds: 75,
      billable_seconds: 120, fee: '0.40', rate_card_version: 1, received_at: '2026-11-20T02:03:00Z',
    }
    const { wrapper } = await mountPage('/console/valueadd/plates/calls', PlateCallsPage, () => jsonResponse({ items: [call], total: 1, billable_seconds: 120, fee: '0.40' }))
    const text = wrapper.text()
    expect(text).toContain('DEMO-CALL-1')
    expect(text).toContain('139****9000')
    expect(text).toContain('第 1 版')
    expect(wrapper.find('[data-test="totals"]').text()).toContain('计费时长 120 秒')
    expect(text).not.toContain('c-uuid-1')
  })
})
