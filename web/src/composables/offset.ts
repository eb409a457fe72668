import { computed, ref } from 'vue'

/** Offset pages for list endpoints that answer a plain array: a full page means there may be more. */
export function useOffsetPages(initialLimit = 50) {
  const limit = ref(initialLimit)
  const offset = ref(0)
  const lastCount = ref(0)
  const page = computed(() => Math.floor(offset.value / limit.value) + 1)
  const hasNext = computed(() => lastCount.value >= limit.value)
  return {
    limit, offset, page, hasNext,
    seen(count: number) { lastCount.value = count },
    next() { offset.value += limit.value },
    prev() { offset.value = Math.max(0, offset.value - limit.value) },
    first() { offset.value = 0 },
    query() { return { limit: limit.value, offset: offset.value } },
  }
}
