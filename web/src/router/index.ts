import { createRouter, createWebHistory, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router'
import { consolePages, firstPageOf, mayOpenFor, pagePath } from '@/menu/pages'
import { useSessionStore } from '@/stores/session'

export function buildRoutes(): RouteRecordRaw[] {
  const pages: RouteRecordRaw[] = consolePages.map((p) => ({
    path: `/console/${p.entry}/${p.path}`,
    name: p.name,
    component: p.component,
    meta: { entry: p.entry, requires: p.requires, title: p.title },
  }))
  return [
    {
      path: '/',
      component: () => import('@/components/AppShell.vue'),
      children: [
        { path: '', name: 'home', component: () => import('@/views/PortalHome.vue'), meta: { title: 'menu.home' } },
        ...pages,
        {
          // /console/<entry>: that entry's first page the user may open.
          path: '/console/:entry',
          name: 'entry-home',
          component: () => import('@/views/EntryLanding.vue'),
          meta: { title: 'menu.entry' },
        },
        { path: '/forbidden', name: 'forbidden', component: () => import('@/views/ForbiddenPage.vue'), meta: { title: 'errors.forbiddenTitle' } },
        { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundPage.vue'), meta: { title: 'errors.notFoundTitle' } },
      ],
    },
  ]
}

/** Every navigation: a session first (else login), then the page's entry and functions. */
export function installGuard(router: Router): void {
  router.beforeEach(async (to) => {
    const store = useSessionStore()
    const session = await store.load()
    if (!session) return false // the client is on its way to /bff/login
    const requires = to.meta.requires as string[] | undefined
    const entry = to.meta.entry as string | undefined
    if (requires && entry && !mayOpenFor({ entry, requires }, session)) {
      return { name: 'forbidden', query: { from: to.fullPath } }
    }
    if (to.name === 'entry-home') {
      const code = String(to.params.entry)
      const first = firstPageOf(code, session.functions)
      if (first && session.entries.some((e) => e.code === code)) return pagePath(first)
    }
    return true
  })
}

export function createAppRouter(history: RouterHistory = createWebHistory('/')): Router {
  const router = createRouter({ history, routes: buildRoutes() })
  installGuard(router)
  return router
}
