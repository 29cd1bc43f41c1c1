import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { initI18n, resolveLanguage } from './i18n'
import { createStores, StoresProvider } from './stores/context'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('#root is missing from index.html')

// Start in the system's language; the saved preference applies once settings arrive.
await initI18n(resolveLanguage('system', navigator.languages))
createRoot(root).render(
  <StrictMode>
    <StoresProvider stores={createStores(window.rao)}>
      <App />
    </StoresProvider>
  </StrictMode>,
)
