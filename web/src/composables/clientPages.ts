import { computed, ref, watch, type Ref } from 'vue'

/** Pages over a list the API answers whole (roles, clients): the table shows one page at a time. */
export function useClientPages<T>(rows: Ref<T[]>, size = 20) {
  const page = ref(1)
  const pageSize = ref(size)
  watch(rows, () => {
    if ((page.value - 1) * pageSize.value >= rows.value.length) page.value = 1
  })
  const visible = computed(() => rows.value.slice((page.value - 1) * pageSize.value, page.value * pageSize.value))
  return { page, pageSize, visible, total: computed(() => rows.value.length) }
}
