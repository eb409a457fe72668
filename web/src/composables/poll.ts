import { onBeforeUnmount } from 'vue'

const FINISHED = new Set(['succeeded', 'done', 'completed', 'failed', 'dead', 'cancelled'])
export const isFinished = (status: string) => FINISHED.has(status)

/** Poll a job until it finishes (or the page goes away). */
export function usePoll() {
  let timer: ReturnType<typeof setTimeout> | null = null
  let stopped = false
  function stop() {
    stopped = true
    if (timer) clearTimeout(timer)
    timer = null
  }
  async function run<T extends { status: string }>(load: () => Promise<T>, onUpdate: (job: T) => void, intervalMs = 1000) {
    stop()
    stopped = false
    const tick = async () => {
      if (stopped) return
      try {
        const job = await load()
        onUpdate(job)
        if (isFinished(job.status)) return
      } catch {
        /* the client already told the user; keep trying a little slower */
        intervalMs = Math.min(intervalMs * 2, 10_000)
      }
      if (!stopped) timer = setTimeout(tick, intervalMs)
    }
    await tick()
  }
  onBeforeUnmount(stop)
  return { run, stop }
}
