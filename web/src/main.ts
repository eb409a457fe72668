import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus, { ElMessage } from 'element-plus'
import * as Icons from '@element-plus/icons-vue'
import 'element-plus/dist/index.css'
import './styles.css'
import App from './App.vue'
import { createAppRouter } from './router'
import { i18n } from './i18n'
import { configureClient } from './api/client'
import { describeFieldError, describeProblem, fieldLabel } from './api/messages'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(ElementPlus)
for (const [name, component] of Object.entries(Icons)) app.component(name, component)

configureClient({
  notifyError: (message) => ElMessage({ type: 'error', message, showClose: true, duration: 6000 }),
  describe: describeProblem,
  describeField: describeFieldError,
  fieldLabel,
})

document.documentElement.lang = i18n.global.locale.value
const router = createAppRouter()
app.use(router)
app.mount('#app')
