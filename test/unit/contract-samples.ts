import type { Handlers } from '../../main/ipc'
import type { Capture } from '../../shared/capture'
import { type Case, rowOf, type SyncState } from '../../shared/cases'
import type { HandlerOutput, InvokeName } from '../../shared/contract'
import type { Snapshot } from '../../shared/media'
import { defaultSettings } from '../../shared/settings'
import type { TeamCaseView, TeamSettings, TeamStatus } from '../../shared/team'

const sampleCase: Case = {
  videoidPk: 16673,
  requestPk: 923056,
  status: 'VIDEOREVIEW',
  addedAt: '2026-11-02T09:15:00.000Z',
  gone: false,
  pairVerified: true,
  person: { givenName: 'Lucía', surname1: 'García', serialNumber: '48213957A' },
  note: '',
  sealedUnreadable: false,
}
const sampleSnapshot: Snapshot = {
  id: '1764400000000-0a1b2c3d',
  videoTimeSeconds: 1.5,
  takenAt: '2026-11-02T09:20:00.000Z',
  url: 'rao-media://media/case/16673/snapshot/1764400000000-0a1b2c3d',
}
const sampleTeamSettings: TeamSettings = {
  twoStepMode: true,
  fourEyes: true,
  changedBy: 'chief',
  changedAt: '2026-11-02T08:00:00.000Z',
}
const sampleTeamStatus: TeamStatus = {
  enabled: true,
  url: 'postgres://db.example.org/rao_team',
  user: 'ana',
  passwordSaved: true,
  desk: 'desk-0a1b2c3d4e5f',
  link: { online: true },
  settings: sampleTeamSettings,
  admin: false,
}
const sampleTeamCase: TeamCaseView = {
  videoidPk: 16673,
  status: 'VIDEOREVIEW',
  claim: { officer: 'ben', desk: 'desk-a1b2c3d4e5f6', since: '2026-11-02T09:18:00.000Z' },
  validatedBy: null,
}
const sampleCapture: Capture = {
  videoidPk: 16690,
  requestPk: 923073,
  startedAt: '2026-11-02T09:30:00.000Z',
  images: {
    document_front: {
      source: 'camera',
      type: 'image/jpeg',
      width: 1280,
      height: 720,
      bytes: 182_044,
      takenAt: '2026-11-02T09:31:00.000Z',
      url: 'rao-media://media/capture/16690/image/document_front?v=3f2a',
    },
  },
  missing: [
    'acceptance',
    'document_rear',
    'document_photo',
    'document_owner',
    'document',
    'checks',
    'recording',
  ],
  upload: { evidences: 'pending', video: 'pending' },
}
const sampleSync: SyncState = { running: false, online: true, lastSyncedAt: '2026-11-02T09:16:00.000Z' }

/** One valid answer per channel; typed, so a new channel cannot be added without one. */
export const sampleOutputs: { [N in InvokeName]: HandlerOutput<N> } = {
  getSettings: defaultSettings,
  saveSettings: defaultSettings,
  checkConnection: { name: 'OneShot Optimizer', version: '1.5.0', greeting: 'Hello' },
  cancelConnectionCheck: { cancelled: true },
  getCredentialStatus: { environment: 'sandbox', state: 'none' },
  setUpCredentials: {
    status: { environment: 'sandbox', state: 'ready', username: '9001800', rao: '1400', mode: 'credentials' },
    check: 'verified',
  },
  updateCredentials: {
    status: { environment: 'sandbox', state: 'ready', username: '9001800', rao: '1400', mode: 'credentials' },
    check: 'not_checked',
  },
  forgetCredentials: { tokenRevoked: null },
  verifyCredentials: { method: 'credentials' },
  createOptimizerToken: {
    environment: 'sandbox',
    state: 'ready',
    username: '9001800',
    rao: '1400',
    mode: 'token',
  },
  getTokenInfo: { username: '9001800', hasPassword: true, hasPin: true },
  revokeOptimizerToken: {
    environment: 'sandbox',
    state: 'ready',
    username: '9001800',
    rao: '1400',
    mode: 'credentials',
  },
  getCaseBook: { state: 'open', rows: [rowOf(sampleCase)], changes: 0, sync: sampleSync },
  recoverCaseBook: {
    book: { state: 'open', rows: [], changes: 3, sync: sampleSync },
    keptAside: ['/data/case-book.jsonl.damaged-2026-11-02T09-20-00.000Z'],
  },
  cancelAddCases: { cancelled: true },
  addCases: {
    kind: 'lines',
    results: [{ line: 1, text: '16673,923056', outcome: 'added', videoidPk: 16673 }],
  },
  getVideoIdDefaults: { optimizerHasBilling: true, officerHasBilling: false, profile: 'PFnubeQAFCiudadano' },
  createVideoId: { case: sampleCase },
  getCase: sampleCase,
  refreshCase: sampleCase,
  saveCaseNote: { ...sampleCase, note: 'Called the signer.' },
  syncCases: sampleSync,
  openVideo: {
    url: 'rao-media://media/case/16673/video',
    state: { status: 'downloading', bytes: 65_536, total: 1_048_576, bytesPerSecond: 524_288 },
  },
  cancelVideo: { status: 'none' },
  prefetchVideo: { outcome: 'started' },
  saveSnapshot: sampleSnapshot,
  listSnapshots: [sampleSnapshot],
  getVideoCache: { videos: 2, bytes: 3_145_728 },
  clearVideoCache: { freedBytes: 3_145_728 },
  decide: { case: { ...sampleCase, status: 'ENROLLREADY' } },
  saveReasonDraft: { ...sampleCase, reasonDraft: { code: 'face_mismatch', text: 'Chin differs' } },
  getJournal: { entries: [], integrity: { state: 'verified' } },
  exportJournal: { csv: 'seq,time\r\n' },
  exportJournalAudit: { json: '{"head":null}' },
  getCaseDecisions: { videoidPk: 16673, records: [] },
  openCapture: sampleCapture,
  closeCapture: null,
  saveCapture: sampleCapture,
  saveCaptureImage: sampleCapture,
  removeCaptureImage: { ...sampleCapture, images: {} },
  startCaptureVideo: { take: '0123456789abcdef' },
  appendCaptureVideo: { bytes: 262_144 },
  endCaptureVideo: sampleCapture,
  discardCaptureVideo: sampleCapture,
  uploadCapture: { case: { ...sampleCase, status: 'VIDEOREVIEW' } },
  cancelCaptureUpload: { cancelled: true },
  abandonCapture: null,
  getLockState: { locked: false, officer: '9001800', unlockWith: 'pin', touchId: false },
  lockDesk: { locked: true, officer: '9001800', unlockWith: 'pin', touchId: false },
  unlockDesk: { locked: false, officer: '9001800', unlockWith: 'pin', touchId: false },
  unlockDeskWithTouchId: { locked: false, officer: '9001800', unlockWith: 'pin', touchId: true },
  reportActivity: null,
  getTeam: { status: sampleTeamStatus, cases: [sampleTeamCase] },
  saveTeamSetup: sampleTeamStatus,
  checkTeamConnection: {
    serverVersion: '15.8',
    schemaVersion: 3,
    appSchemaVersion: 3,
    role: 'ana',
    officer: true,
    admin: false,
    tls: true,
  },
  changeTeamSettings: sampleTeamSettings,
  openTeamCase: sampleTeamCase,
  leaveTeamCase: null,
  takeNextCase: sampleTeamCase,
}

/** Handlers that answer the samples, each a spy the test can inspect. */
export function sampleHandlers(
  spy: <F extends (...args: never[]) => unknown>(implementation: F) => F,
): Handlers {
  const handlers = {} as Record<InvokeName, unknown>
  for (const name of Object.keys(sampleOutputs) as InvokeName[]) {
    handlers[name] = spy(() => sampleOutputs[name])
  }
  return handlers as Handlers
}
