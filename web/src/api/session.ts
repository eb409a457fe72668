import { api } from './client'

export type OrgType = 'technology' | 'agency' | 'insurtech_service' | 'mall'

export interface SessionEntry {
  code: string
  kind: 'business' | 'platform'
  name_zh: string
  name_en: string
  icon: string | null
  launch_url: string
  tenant_system: boolean
}

export interface Session {
  user: { id: string; username: string | null; display_name: string | null }
  institution: { id: string; code: string; name: string; type: OrgType | string }
  platform_operator: boolean
  entries: SessionEntry[]
  /** entry code → the user's effective function codes there. */
  functions: Record<string, string[]>
  csrf_token: string
  expires_at: string
}

export const sessionApi = {
  get: () => api.get<Session>('/bff/session', { notify: false }),
  logout: () => api.post<{ logout_url: string }>('/bff/logout'),
}
