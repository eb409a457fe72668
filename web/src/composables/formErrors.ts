import { reactive } from 'vue'
import { ElMessage } from 'element-plus'
import { ApiError } from '@/api/client'

/**
 * Field errors of the last failed submit, keyed by form field (`amount`, `entries.0.target_url`),
 * bound with `<el-form-item :error="errors.amount">`.
 */
export function useFormErrors() {
  const errors = reactive<Record<string, string>>({})

  function clear(): void {
    for (const key of Object.keys(errors)) delete errors[key]
  }

  /** Run a submit; on a problem, put its field errors on the fields and say it in words. */
  async function submit<T>(action: () => Promise<T>): Promise<T | undefined> {
    clear()
    try {
      return await action()
    } catch (e) {
      if (e instanceof ApiError) {
        Object.assign(errors, e.fieldErrors)
        if (e.status !== 401) ElMessage({ type: 'error', message: e.message, showClose: true, duration: 6000 })
        return undefined
      }
      throw e
    }
  }

  return { errors, clear, submit }
}
