import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, configureClient, navigate, redirectToLogin } from '@/api/client'
import { sessionApi, type Session } from '@/api/session'
import { buildMenu } from '@/menu/menu'

export const useSessionStore = defineStore('session', () => {
  const session = ref<Session | null>(null)
  let pending: Promise<Session | null> | null = null

  configureClient({ csrfToken: () => session.value?.csrf_token ?? null })

  /** Load /bff/session once; a 401 has already sent the browser to the login page. */
  async function load(force = false): Promise<Session | null> {
    if (session.value && !force) return session.value
    if (!pending) {
      pending = sessionApi
        .get()
        .then((s) => {
          session.value = s
          return s
        })
        .catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 401) return null
          throw e
        })
        .finally(() => {
          pending = null
        })
    }
    return pending
  }

  function set(s: Session | null): void {
    session.value = s
  }

  const functions = computed<Record<string, string[]>>(() => session.value?.functions ?? {})
  const entries = computed(() => session.value?.entries ?? [])
  const menu = computed(() => buildMenu(entries.value, functions.value))

  function has(entry: string, code: string): boolean {
    return (functions.value[entry] ?? []).includes(code)
  }

  async function logout(): Promise<void> {
    const { logout_url } = await sessionApi.logout()
    session.value = null
    navigate(logout_url || '/')
  }

  function relogin(): void {
    redirectToLogin()
  }

  return { session, load, set, functions, entries, menu, has, logout, relogin }
})
