/** Administration (entry `sso`): /api/sso/v1/admin/… → sso /v1/admin/… */
import { api, download, type Query } from './client'

const base = '/api/sso/v1/admin'

export interface Region { province_code: string; city_code?: string | null }
export interface Institution {
  id: string; code: string; name: string; type: string; parent_id: string | null; depth: number
  region: Region | null; status: 'active' | 'disabled'; created_at: string; updated_at: string
}
export interface InstitutionNode extends Institution { children: InstitutionNode[] }
export interface InstitutionCreate {
  code: string; name: string; type: string; parent_id?: string | null; region?: Region | null; package_code?: string | null
}
export interface RoleRef { id: string; code: string; name: string; platform_operator: boolean }
export interface User {
  id: string; username: string; display_name: string; institution_id: string; status: 'active' | 'disabled'
  email: string | null; phone: string | null; has_password: boolean; must_change_password: boolean
  failed_attempts: number; locked: boolean; locked_until: string | null; last_login_at: string | null
  source: string; external_ref: string | null; roles: RoleRef[]; created_at: string; updated_at: string
}
export interface UserCreated extends User { temporary_password: string | null }
export interface Page<T> { items: T[]; next_cursor: string | null }
export interface Role {
  id: string; institution_id: string; code: string; name: string; description: string | null
  platform_operator: boolean; functions: string[]; effective_functions: string[]; created_at: string; updated_at: string
}
export interface EntryGrantRead {
  entry: string; kind: string; name_zh: string; name_en: string; enabled: boolean
  target_url: string | null; client_id: string | null; functions: string[]
}
export interface Entitlement {
  institution_id: string; institution_code: string; package_code: string | null; version: number
  entries: EntryGrantRead[]
}
export interface EntryGrant { entry: string; enabled: boolean; functions: string[]; target_url: string | null }
export interface EntitlementUpdate { entries: EntryGrant[]; package_code?: string | null; based_on_version?: number | null }
export interface Package {
  code: string; name_zh: string; name_en: string; default_for_type: string | null; version: number
  entries: string[]; functions: string[]; institutions: number
}
export interface InstitutionChange {
  institution_id: string; code: string; name: string; version_before: number; version_after: number
  entries_enabled: string[]; entries_disabled: string[]; functions_added: string[]; functions_removed: string[]
}
export interface PackageChange {
  package: string; applied: boolean; version_before: number; version_after: number
  entries_added: string[]; entries_removed: string[]; functions_added: string[]; functions_removed: string[]
  institutions: InstitutionChange[]; unchanged_institutions: number
}
export interface FunctionNode { code: string; type: 'menu' | 'button'; name_zh: string; name_en: string; source: string; children: FunctionNode[] }
export interface CatalogueEntry { code: string; kind: string; name_zh: string; name_en: string; icon: string | null; functions: FunctionNode[] }
export interface Catalogue { entries: CatalogueEntry[]; sources: { source: string; version: number; checksum: string }[] }
export interface Client {
  id: string; client_id: string; name: string; type: 'public' | 'confidential'; institution_id: string
  redirect_uris: string[]; allowed_origins: string[]; status: 'active' | 'disabled'; grant_types: string[]
  post_logout_redirect_uris: string[]; scopes: string[]; created_at: string; updated_at: string
}
export interface ClientCreated extends Client { client_secret: string | null }
export interface AuditEvent {
  id: string; occurred_at: string; actor: string; actor_institution_id: string | null; action: string
  target_type: string; target_id: string; target_label: string | null; institution_id: string | null
  before: Record<string, unknown> | null; after: Record<string, unknown> | null; detail: string | null; request_id: string | null
}
export interface RowReport { row: number; outcome: string; key: string | null; target_id: string | null; errors: { field: string; code: string; message: string }[] }
export interface ImportReport {
  id: string; kind: 'institutions' | 'users'; format: string; filename: string | null; dry_run: boolean; started_at: string
  rows: number; created: number; skipped: number; failed: number; report_csv: string; error_rows: RowReport[]
}

export const ssoApi = {
  institutions: (query?: Query) => api.get<Institution[]>(`${base}/institutions`, { query }),
  institutionTree: () => api.get<InstitutionNode[]>(`${base}/institutions/tree`),
  createInstitution: (body: InstitutionCreate) => api.post<Institution>(`${base}/institutions`, body, { notify: false }),
  updateInstitution: (id: string, body: { name?: string; region?: Region | null }) =>
    api.patch<Institution>(`${base}/institutions/${id}`, body, { notify: false }),
  setInstitutionStatus: (id: string, enable: boolean) =>
    api.post<Institution>(`${base}/institutions/${id}/${enable ? 'enable' : 'disable'}`),

  users: (query: Query) => api.get<Page<User>>(`${base}/users`, { query }),
  createUser: (body: Record<string, unknown>) => api.post<UserCreated>(`${base}/users`, body, { notify: false }),
  setUserStatus: (id: string, enable: boolean) => api.post<User>(`${base}/users/${id}/${enable ? 'enable' : 'disable'}`),
  resetPassword: (id: string, password?: string) =>
    api.post<{ user: User; temporary_password: string | null }>(`${base}/users/${id}/reset-password`, password ? { password } : {}),
  unlockUser: (id: string) => api.post<User>(`${base}/users/${id}/unlock`),
  setUserRoles: (id: string, roleIds: string[]) => api.put<User>(`${base}/users/${id}/roles`, { role_ids: roleIds }),

  roles: (institutionId?: string) => api.get<Role[]>(`${base}/roles`, { query: { institution_id: institutionId } }),
  createRole: (body: Record<string, unknown>) => api.post<Role>(`${base}/roles`, body, { notify: false }),
  updateRole: (id: string, body: Record<string, unknown>) => api.put<Role>(`${base}/roles/${id}`, body, { notify: false }),
  deleteRole: (id: string) => api.delete<void>(`${base}/roles/${id}`),

  entitlement: (institutionId: string) => api.get<Entitlement>(`${base}/institutions/${institutionId}/entitlement`),
  setEntitlement: (institutionId: string, body: EntitlementUpdate) =>
    api.put<Entitlement>(`${base}/institutions/${institutionId}/entitlement`, body, { notify: false }),
  packages: () => api.get<Package[]>(`${base}/packages`),
  previewPackage: (code: string, body: { entries: string[]; functions: string[] }) =>
    api.post<PackageChange>(`${base}/packages/${code}/preview`, body, { notify: false }),
  applyPackage: (code: string, body: { entries: string[]; functions: string[]; based_on_version: number }) =>
    api.put<PackageChange>(`${base}/packages/${code}`, body, { notify: false }),
  catalogue: () => api.get<Catalogue>(`${base}/catalogue`),

  clients: (institutionId?: string) => api.get<Client[]>(`${base}/clients`, { query: { institution_id: institutionId } }),
  createClient: (body: Record<string, unknown>) => api.post<ClientCreated>(`${base}/clients`, body, { notify: false }),
  updateClient: (id: string, body: Record<string, unknown>) => api.put<Client>(`${base}/clients/${id}`, body, { notify: false }),
  deleteClient: (id: string) => api.delete<void>(`${base}/clients/${id}`),
  newClientSecret: (id: string) => api.post<ClientCreated>(`${base}/clients/${id}/secret`),

  audit: (query: Query) => api.get<Page<AuditEvent>>(`${base}/audit-events`, { query }),
  exportAudit: (query: Query) => download(`${base}/audit-events/export.csv`, 'audit-events.csv', query),

  runImport: (kind: 'institutions' | 'users', file: File, dryRun: boolean) =>
    api.post<ImportReport>(`${base}/imports/${kind}`, file, {
      query: { dry_run: dryRun, filename: file.name },
      headers: { 'Content-Type': file.type || (file.name.endsWith('.xlsx') ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv') },
      notify: false,
    }),
  importReport: (id: string) => download(`${base}/imports/${id}/report.csv`, `import-${id}.csv`),
  importTemplate: (kind: 'institutions' | 'users') => download(`${base}/imports/templates/${kind}.csv`, `${kind}-template.csv`),
}
