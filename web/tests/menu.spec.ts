import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import { buildMenu } from '@/menu/menu'
import { consolePages, firstPageOf, mayOpenFor } from '@/menu/pages'
import { createAppRouter } from '@/router'
import { useSessionStore } from '@/stores/session'
import { createAppI18n } from '@/i18n'
import AppShell from '@/components/AppShell.vue'
import { configureClient, resetClientState } from '@/api/client'
import { jsonResponse, makeSession } from './fixtures'

describe('menu from granted functions', () => {
  it('shows a page only when every function it needs is granted', () => {
    const s = makeSession()
    const menu = buildMenu(s.entries, s.functions)
    const names = menu.flatMap((g) => g.items.map((i) => i.name))
    expect(names).toContain('orders-list')
    expect(names).toContain('orders-exports')
    expect(names).toContain('admin-users')
    // Missing functions: no item.
    expect(names).not.toContain('orders-settlement') // needs orders.order.create
    expect(names).not.toContain('orders-analysis') // needs orders.analysis.query
    expect(names).not.toContain('admin-roles') // needs sso.admin.role.query
    // Detail pages are routable but never menu items.
    expect(names).not.toContain('orders-detail')
  })

  it('gives nothing for an entry the institution lacks, whatever functions say', () => {
    const s = makeSession({ entries: makeSession().entries.filter((e) => e.code !== 'sso') })
    const menu = buildMenu(s.entries, s.functions)
    expect(menu.map((g) => g.entry)).toEqual(['orders'])
    expect(mayOpenFor({ entry: 'sso', requires: ['sso.admin.user.query'] }, s)).toBe(false)
  })

  it('adds the item when the function is granted', () => {
    const s = makeSession()
    s.functions.orders.push('orders.analysis', 'orders.analysis.query')
    const names = buildMenu(s.entries, s.functions).flatMap((g) => g.items.map((i) => i.name))
    expect(names).toContain('orders-analysis')
  })

  it("lands /console/<entry> on the entry's first page the user may open", () => {
    const s = makeSession()
    expect(firstPageOf('orders', s.functions)?.name).toBe('orders-list')
    expect(firstPageOf('sso', s.functions)?.name).toBe('admin-users')
    expect(firstPageOf('finance', s.functions)).toBeUndefined()
  })

  it('every page names functions of its own entry', () => {
    for (const p of consolePages) for (const f of p.requires) expect(f.startsWith(`${p.entry}.`)).toBe(true)
  })
})

describe('route guard', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.restoreAllMocks()
  })

  function routerWith(session = makeSession()) {
    const store = useSessionStore()
    store.set(session)
    return createAppRouter(createMemoryHistory())
  }

  it('refuses a page whose function the user lacks', async () => {
    const router = routerWith()
    await router.push('/console/orders/analysis')
    expect(router.currentRoute.value.name).toBe('forbidden')
    expect(router.currentRoute.value.query.from).toBe('/console/orders/analysis')
  })

  it('refuses a page of an entry the institution lacks', async () => {
    const s = makeSession({ entries: makeSession().entries.filter((e) => e.code !== 'sso') })
    const router = routerWith(s)
    await router.push('/console/sso/users')
    expect(router.currentRoute.value.name).toBe('forbidden')
  })

  it('opens a page whose functions are granted', async () => {
    const router = routerWith()
    await router.push('/console/orders/orders')
    expect(router.currentRoute.value.name).toBe('orders-list')
  })

  it('sends /console/orders to the first page of the entry', async () => {
    const router = routerWith()
    await router.push('/console/orders')
    expect(router.currentRoute.value.name).toBe('orders-list')
  })

  it('without a session, /bff/session answers 401 and the browser goes to sign in, coming back here', async () => {
    resetClientState()
    const navigate = vi.fn()
    configureClient({ navigate, currentPath: () => '/console/orders/orders?status=invoiced' })
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse({ status: 401, code: 'session_missing', detail: 'sign in' }, 401, 'application/problem+json')))
    const router = createAppRouter(createMemoryHistory())
    await router.push('/console/orders/orders?status=invoiced').catch(() => undefined)
    expect(navigate).toHaveBeenCalledWith('/bff/login?return_to=%2Fconsole%2Forders%2Forders%3Fstatus%3Dinvoiced')
    expect(router.currentRoute.value.name).toBeUndefined()
    vi.unstubAllGlobals()
  })

  it('without a session, goes nowhere (the client is sending the browser to login)', async () => {
    const store = useSessionStore()
    vi.spyOn(store, 'load').mockResolvedValue(null)
    const router = createAppRouter(createMemoryHistory())
    await router.push('/console/orders/orders').catch(() => undefined)
    expect(router.currentRoute.value.name).toBeUndefined()
  })
})

describe('app shell', () => {
  it('renders the menu items the functions allow, the user and institution, with stable data-test hooks', async () => {
    setActivePinia(createPinia())
    const pinia = createPinia()
    setActivePinia(pinia)
    const store = useSessionStore()
    store.set(makeSession())
    const router = createAppRouter(createMemoryHistory())
    await router.push('/console/orders/orders')
    const wrapper = mount(AppShell, {
      global: {
        plugins: [pinia, router, createAppI18n('zh-CN'), ElementPlus],
        components: Icons,
        stubs: { RouterView: true },
      },
    })
    await flushPromises()
    expect(wrapper.find('[data-test="user-name"]').text()).toBe('华成员工')
    expect(wrapper.find('[data-test="institution-name"]').text()).toBe('华成保险代理')
    expect(wrapper.find('[data-test="institution-type"]').text()).toBe('保险代理')
    expect(wrapper.find('[data-test="menu-item-orders-list"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="menu-item-admin-users"]').exists()).toBe(true)
    expect(wrapper.find('[data-test="menu-item-orders-analysis"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="menu-item-admin-roles"]').exists()).toBe(false)
  })
})
