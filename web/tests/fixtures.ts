import type { Session } from '@/api/session'

export function makeSession(overrides: Partial<Session> = {}): Session {
  return {
    user: { id: 'u-1', username: 'huacheng.staff', display_name: '华成员工' },
    institution: { id: 'org-1', code: 'HC', name: '华成保险代理', type: 'agency' },
    platform_operator: false,
    entries: [
      { code: 'orders', kind: 'business', name_zh: '订单中心', name_en: 'Order center', icon: 'tickets', launch_url: '/console/orders', tenant_system: false },
      { code: 'sso', kind: 'platform', name_zh: '平台管理', name_en: 'Platform administration', icon: 'setting', launch_url: '/console/sso', tenant_system: false },
    ],
    functions: {
      orders: ['orders.order', 'orders.order.query'],
      sso: ['sso.admin.user', 'sso.admin.user.query'],
    },
    csrf_token: 'csrf-abc',
    expires_at: '2026-11-25T20:00:00Z',
    ...overrides,
  }
}

export function jsonResponse(body: unknown, status = 200, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': contentType } })
}
