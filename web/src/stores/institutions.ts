import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ssoApi, type InstitutionNode } from '@/api/sso'
import { useSessionStore } from './session'

/**
 * Institutions the user administers (sso's tree), for names and pickers. Users without
 * sso.admin.institution.query get only their own institution (from the session).
 */
export const useInstitutionsStore = defineStore('institutions', () => {
  const tree = ref<InstitutionNode[]>([])
  const loaded = ref(false)
  let pending: Promise<void> | null = null

  const flat = computed(() => {
    const out: InstitutionNode[] = []
    const walk = (nodes: InstitutionNode[]) => {
      for (const n of nodes) {
        out.push(n)
        walk(n.children)
      }
    }
    walk(tree.value)
    return out
  })
  const byId = computed(() => new Map(flat.value.map((n) => [n.id, n])))

  async function load(force = false): Promise<void> {
    if (loaded.value && !force) return
    const session = useSessionStore()
    if (!session.has('sso', 'sso.admin.institution.query')) {
      loaded.value = true
      return
    }
    if (!pending) {
      pending = ssoApi
        .institutionTree()
        .then((t) => {
          tree.value = t
          loaded.value = true
        })
        .finally(() => {
          pending = null
        })
    }
    return pending
  }

  function nameOf(id: string | null | undefined): string {
    if (!id) return '—'
    const known = byId.value.get(id)
    if (known) return known.name
    const session = useSessionStore()
    if (session.session?.institution.id === id) return session.session.institution.name
    return id.slice(0, 8)
  }

  return { tree, flat, byId, loaded, load, nameOf }
})
