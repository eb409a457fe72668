import { computed, ref } from 'vue'

/** Keyset paging state: the cursors that led to each page, and the next one. */
export function useKeyset() {
  const cursors = ref<(string | null)[]>([null])
  const next = ref<string | null>(null)
  const page = computed(() => cursors.value.length)
  const current = computed(() => cursors.value[cursors.value.length - 1])
  return {
    page,
    current,
    next,
    reset() {
      cursors.value = [null]
      next.value = null
    },
    forward() {
      if (next.value) cursors.value = [...cursors.value, next.value]
    },
    back() {
      if (cursors.value.length > 1) cursors.value = cursors.value.slice(0, -1)
    },
  }
}
