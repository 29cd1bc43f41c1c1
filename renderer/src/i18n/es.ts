import type { Messages } from './en'

export const es: Messages = {
  app: {
    name: 'RAO Desk',
    navigation: 'Navegación principal',
    skipToContent: 'Saltar al contenido',
  },
  nav: {
    settings: 'Ajustes',
  },
  common: {
    loading: 'Cargando…',
    retry: 'Reintentar',
  },
  settings: {
    title: 'Ajustes',
    intro: 'Dónde encuentra RAO Desk el One-Shot Optimizer y en qué idioma le habla.',
    loadFailed: 'No se han podido leer los ajustes.',
    optimizerUrl: 'Dirección del Optimizer',
    optimizerUrlHint:
      'La URL base de la API One-Shot, terminada en /oneshot/api/v1. Se exige HTTPS salvo en este ordenador.',
    useSandbox: 'Usar el sandbox público',
    optimizerUrlInvalid: 'Escriba una dirección https:// completa (http:// solo para este ordenador).',
    environment: 'Entorno',
    environmentSandbox: 'Sandbox (pruebas)',
    environmentProd: 'Producción',
    language: 'Idioma',
    languageSystem: 'El del sistema',
    languageEs: 'Español',
    languageEn: 'English',
    save: 'Guardar',
    saving: 'Guardando…',
    saved: 'Ajustes guardados.',
    saveShortcut: 'Ctrl+S',
    unsaved: 'Hay cambios sin guardar.',
  },
  connection: {
    title: 'Conexión',
    check: 'Comprobar conexión',
    checking: 'Comprobando la conexión…',
    checksSaved: 'Comprueba la dirección guardada: {{url}}',
    ok: 'Conectado a {{name}} {{version}}.',
    failed: 'La comprobación de la conexión ha fallado.',
  },
  errors: {
    invalid_input: 'Algunos valores no son válidos.',
    untrusted_sender: 'Esta petición no procede de la ventana de RAO Desk.',
    unknown_channel: 'Esta acción no existe.',
    unreachable:
      'No se puede conectar con el Optimizer. Revise la dirección, la red o la VPN, y que el Optimizer esté en marcha.',
    timeout: 'El Optimizer tarda demasiado en responder. Inténtelo de nuevo en un momento.',
    tls: 'No se ha podido establecer una conexión segura con el Optimizer.',
    unexpected_answer:
      'El Optimizer ha dado una respuesta que RAO Desk no entiende. ¿Es correcta la dirección?',
    invalid_credentials: 'El Optimizer ha rechazado las credenciales del RAO.',
    not_found: 'El Optimizer no conoce este elemento.',
    wrong_state: 'Este Video ID no está en un estado que permita esta acción.',
    rejected: 'El Optimizer ha rechazado la petición.',
    server_error: 'El Optimizer ha tenido un problema interno. Inténtelo más tarde.',
    cancelled: 'Cancelado.',
    internal: 'Algo ha fallado en RAO Desk.',
    detail: 'Detalles: {{detail}}',
  },
}
