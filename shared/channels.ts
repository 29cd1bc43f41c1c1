/**
 * The names of everything the renderer may ask of main and everything main may push to it, with no
 * schema library attached: the preload bundles this module, and stays small. The contract table in
 * `contract.ts` must have exactly these names (the compiler checks it), with a schema for each.
 */
export const invokeNames = [
  'getSettings',
  'saveSettings',
  'checkConnection',
  'cancelConnectionCheck',
  'getCredentialStatus',
  'setUpCredentials',
  'updateCredentials',
  'forgetCredentials',
  'verifyCredentials',
  'createOptimizerToken',
  'getTokenInfo',
  'revokeOptimizerToken',
  'getCaseBook',
  'recoverCaseBook',
  'addCases',
  'cancelAddCases',
  'getVideoIdDefaults',
  'createVideoId',
  'getCase',
  'refreshCase',
  'saveCaseNote',
  'syncCases',
  'openVideo',
  'cancelVideo',
  'prefetchVideo',
  'saveSnapshot',
  'listSnapshots',
  'getVideoCache',
  'clearVideoCache',
  'decide',
  'saveReasonDraft',
  'getJournal',
  'exportJournal',
  'exportJournalAudit',
  'getCaseDecisions',
  'openCapture',
  'closeCapture',
  'saveCapture',
  'saveCaptureImage',
  'removeCaptureImage',
  'startCaptureVideo',
  'appendCaptureVideo',
  'endCaptureVideo',
  'discardCaptureVideo',
  'uploadCapture',
  'cancelCaptureUpload',
  'abandonCapture',
  'getLockState',
  'lockDesk',
  'unlockDesk',
  'unlockDeskWithTouchId',
  'reportActivity',
  'getTeam',
  'saveTeamSetup',
  'checkTeamConnection',
  'changeTeamSettings',
  'openTeamCase',
  'leaveTeamCase',
  'takeNextCase',
] as const

export const eventNames = [
  'settingsChanged',
  'casesChanged',
  'addCasesProgress',
  'syncChanged',
  'videoProgress',
  'decisionsChanged',
  'journalAppended',
  'captureProgress',
  'lockChanged',
  'teamChanged',
  'teamCasesChanged',
] as const

export type InvokeName = (typeof invokeNames)[number]
export type EventName = (typeof eventNames)[number]

export const isInvokeName = (name: string): name is InvokeName =>
  (invokeNames as readonly string[]).includes(name)

/** Electron IPC channel strings, derived so that they are never written twice. */
export const ipcChannelOf = (name: InvokeName) => `rao:${name}`
export const eventChannelOf = (name: EventName) => `rao-event:${name}`
