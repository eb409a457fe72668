import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import PortalHome from '@/views/PortalHome.vue'
import AppShell from '@/components/AppShell.vue'
import { configureClient, resetClientState } from '@/api/client'
import { createAppRouter } from '@/router'
import { createAppI18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import { jsonResponse, makeSession } from './fixtures'

describe('portal and top bar', () => {
  const navigate = vi.fn()
  let fetchMock: ReturnType<typeof vi.fn>
  beforeEach(() => {
    resetClientState()
    navigate.mockReset()
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    configureClient({ navigate, notifyError: () => undefined })
  })

  async function mountWith(component: typeof PortalHome, locale: 'zh-CN' | 'en' = 'zh-CN') {
    const pinia = createPinia()
    setActivePinia(pinia)
    useSessionStore().set(makeSession({
      entries: [
        ...makeSession().entries,
        { code: 'insurance', kind: 'business', name_zh: '保险管理', name_en: 'Insurance', icon: 'umbrella', launch_url: 'https://bs.huacheng.example/', tenant_system: true },
      ],
    }))
    const router = createAppRouter(createMemoryHistory())
    await router.push('/')
    const wrapper = mount(component, {
      global: { plugins: [pinia, router, createAppI18n(locale), ElementPlus], components: Icons, stubs: { RouterView: true } },
    })
    await flushPromises()
    return wrapper
  }

  it('shows one tile per entry the session lists, named in the current language', async () => {
    const zh = await mountWith(PortalHome)
    const tiles = zh.findAll('[data-test^="portal-tile-"]')
    expect(tiles.map((t) => t.attributes('data-test'))).toEqual(['portal-tile-orders', 'portal-tile-sso', 'portal-tile-insurance'])
    expect(zh.find('[data-test="portal-tile-orders"]').text()).toContain('订单中心')
    expect(zh.find('[data-test="portal-tile-insurance"]').text()).toContain('机构自有系统')
    const en = await mountWith(PortalHome, 'en')
    expect(en.find('[data-test="portal-tile-orders"]').text()).toContain('Order center')
  })

  it('launches an entry through the gateway in the same tab (tenant systems too)', async () => {
    const wrapper = await mountWith(PortalHome)
    await wrapper.find('[data-test="portal-tile-insurance"]').trigger('click')
    expect(navigate).toHaveBeenCalledWith('/bff/launch/insurance')
    await wrapper.find('[data-test="portal-tile-orders"]').trigger('click')
    expect(navigate).toHaveBeenLastCalledWith('/bff/launch/orders')
  })

  it('logs out with the CSRF header, then goes where the gateway says', async () => {
    fetchMock.mockResolvedValue(jsonResponse({ logout_url: '/auth/logout?id_token_hint=x' }))
    const wrapper = await mountWith(AppShell)
    await wrapper.find('[data-test="logout"]').trigger('click')
    await flushPromises()
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/bff/logout')
    expect(init.method).toBe('POST')
    expect(init.headers['X-CSRF-Token']).toBe('csrf-abc')
    expect(navigate).toHaveBeenCalledWith('/auth/logout?id_token_hint=x')
  })
})
