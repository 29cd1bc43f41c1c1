/** English text: the source of every key; `es.ts` must have the same shape. */
export const en = {
  app: {
    name: 'RAO Desk',
    navigation: 'Main navigation',
    skipToContent: 'Skip to content',
  },
  nav: {
    settings: 'Settings',
  },
  common: {
    loading: 'Loading…',
    retry: 'Try again',
  },
  settings: {
    title: 'Settings',
    intro: 'Where RAO Desk finds the One-Shot Optimizer, and how it speaks to you.',
    loadFailed: 'The settings could not be read.',
    optimizerUrl: 'Optimizer address',
    optimizerUrlHint:
      'The base URL of the One-Shot API, ending in /oneshot/api/v1. HTTPS is required except on this computer.',
    useSandbox: 'Use the public sandbox',
    optimizerUrlInvalid: 'Enter a full https:// address (http:// only for this computer).',
    environment: 'Environment',
    environmentSandbox: 'Sandbox (testing)',
    environmentProd: 'Production',
    language: 'Language',
    languageSystem: 'Same as the system',
    languageEs: 'Español',
    languageEn: 'English',
    save: 'Save',
    saving: 'Saving…',
    saved: 'Settings saved.',
    saveShortcut: 'Ctrl+S',
    unsaved: 'You have unsaved changes.',
  },
  connection: {
    title: 'Connection',
    check: 'Check connection',
    checking: 'Checking the connection…',
    checksSaved: 'Checks the saved address: {{url}}',
    ok: 'Connected to {{name}} {{version}}.',
    failed: 'The connection check failed.',
  },
  errors: {
    invalid_input: 'Some of the values are not valid.',
    untrusted_sender: 'This request did not come from the RAO Desk window.',
    unknown_channel: 'This action does not exist.',
    unreachable:
      'Cannot reach the Optimizer. Check the address, your network or VPN, and that the Optimizer is running.',
    timeout: 'The Optimizer took too long to answer. Try again in a moment.',
    tls: 'A secure connection to the Optimizer could not be made.',
    unexpected_answer: 'The Optimizer gave an answer RAO Desk does not understand. Is the address right?',
    invalid_credentials: 'The Optimizer refused the RAO credentials.',
    not_found: 'The Optimizer does not know this item.',
    wrong_state: 'This Video ID is not in a state that allows this action.',
    rejected: 'The Optimizer rejected the request.',
    server_error: 'The Optimizer had an internal problem. Try again later.',
    cancelled: 'Cancelled.',
    internal: 'Something went wrong in RAO Desk.',
    detail: 'Details: {{detail}}',
  },
}

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> }
export type Messages = Shape<typeof en>
