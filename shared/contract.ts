import { z } from 'zod'
import {
  captureImageInputSchema,
  captureImageRefSchema,
  captureProgressSchema,
  captureRefSchema,
  captureSchema,
  endVideoInputSchema,
  saveCaptureInputSchema,
  startedVideoSchema,
  startVideoInputSchema,
  uploadCaptureInputSchema,
  uploadedCaptureSchema,
  videoPieceInputSchema,
} from './capture'
import {
  addCasesInputSchema,
  addCasesProgressSchema,
  addCasesResultSchema,
  caseBookStateSchema,
  caseRefSchema,
  caseSchema,
  createdCaseSchema,
  newVideoIdSchema,
  noteInputSchema,
  recoverInputSchema,
  rowsChangedSchema,
  syncStateSchema,
  videoIdDefaultsSchema,
} from './cases'
import type { EventName, InvokeName } from './channels'
import {
  credentialStatusSchema,
  credentialsPatchSchema,
  forgetResultSchema,
  newCredentialsSchema,
  savedCredentialsSchema,
  tokenInfoSchema,
  verificationSchema,
} from './credentials'
import {
  caseDecisionsSchema,
  decisionInputSchema,
  decisionResultSchema,
  journalEntrySchema,
  journalStateSchema,
  reasonDraftInputSchema,
} from './decisions'
import { lockStateSchema, unlockInputSchema } from './lock'
import {
  clearedCacheSchema,
  openedVideoSchema,
  prefetchOutcomeSchema,
  saveSnapshotInputSchema,
  snapshotSchema,
  videoCacheSchema,
  videoProgressSchema,
  videoStateSchema,
} from './media'
import { settingsSchema } from './settings'
import {
  teamCasesChangedSchema,
  teamCaseViewSchema,
  teamCheckSchema,
  teamConnectionInfoSchema,
  teamSettingsChangeSchema,
  teamSettingsSchema,
  teamSetupSchema,
  teamStateSchema,
  teamStatusSchema,
} from './team'

/**
 * The one table of everything the renderer may ask of main, and everything main may push to it.
 * Each invoke channel has a schema for its input (checked in main before any handler runs) and one for
 * its output (main parses what a handler returns, so nothing outside the schema, a secret above all,
 * can cross by accident). Types of `window.rao` are derived from this table in `api.ts`.
 */
const channel = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ input, output })

/** Input of a function that takes no argument. */
const nothing = z.undefined()

export const optimizerInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  greeting: z.string(),
})
export type OptimizerInfo = z.infer<typeof optimizerInfoSchema>

export const invokeChannels = {
  getSettings: channel(nothing, settingsSchema),
  saveSettings: channel(settingsSchema.partial().strict(), settingsSchema),
  checkConnection: channel(nothing, optimizerInfoSchema),
  /** Stops a connection check under way (a stalled Optimizer); the check answers `cancelled`. */
  cancelConnectionCheck: channel(nothing, z.object({ cancelled: z.boolean() })),
  getCredentialStatus: channel(nothing, credentialStatusSchema),
  setUpCredentials: channel(newCredentialsSchema, savedCredentialsSchema),
  updateCredentials: channel(credentialsPatchSchema, savedCredentialsSchema),
  forgetCredentials: channel(nothing, forgetResultSchema),
  verifyCredentials: channel(nothing, verificationSchema),
  createOptimizerToken: channel(nothing, credentialStatusSchema),
  getTokenInfo: channel(nothing, tokenInfoSchema),
  revokeOptimizerToken: channel(nothing, credentialStatusSchema),
  getCaseBook: channel(nothing, caseBookStateSchema),
  /** The book reopened, and where the files set aside (the damaged book, a last good copy) are kept. */
  recoverCaseBook: channel(
    recoverInputSchema,
    z.object({ book: caseBookStateSchema, keptAside: z.array(z.string()) }),
  ),
  addCases: channel(addCasesInputSchema, addCasesResultSchema),
  /** Stops the additions under way: the pairs checked so far are kept, the rest are not read. */
  cancelAddCases: channel(nothing, z.object({ cancelled: z.boolean() })),
  getVideoIdDefaults: channel(nothing, videoIdDefaultsSchema),
  createVideoId: channel(newVideoIdSchema, createdCaseSchema),
  /** One case whole (the queue has its row): when it is opened. */
  getCase: channel(caseRefSchema, caseSchema),
  refreshCase: channel(caseRefSchema, caseSchema),
  saveCaseNote: channel(noteInputSchema, caseSchema),
  syncCases: channel(nothing, syncStateSchema),
  openVideo: channel(caseRefSchema, openedVideoSchema),
  cancelVideo: channel(caseRefSchema, videoStateSchema),
  /** Downloads the next case's video in the background while the officer reviews this one. */
  prefetchVideo: channel(caseRefSchema, z.object({ outcome: prefetchOutcomeSchema })),
  saveSnapshot: channel(saveSnapshotInputSchema, snapshotSchema),
  listSnapshots: channel(caseRefSchema, z.array(snapshotSchema)),
  getVideoCache: channel(nothing, videoCacheSchema),
  clearVideoCache: channel(nothing, clearedCacheSchema),
  decide: channel(decisionInputSchema, decisionResultSchema),
  saveReasonDraft: channel(reasonDraftInputSchema, caseSchema),
  getJournal: channel(nothing, journalStateSchema),
  exportJournal: channel(nothing, z.object({ csv: z.string() })),
  /** The journal's lines as written, its head and how to check them: a record an auditor can verify. */
  exportJournalAudit: channel(nothing, z.object({ json: z.string() })),
  getCaseDecisions: channel(caseRefSchema, caseDecisionsSchema),
  /** Capture at the desk: the capture kept for a case (or a new one), with the capture screen open. */
  openCapture: channel(captureRefSchema, captureSchema),
  closeCapture: channel(nothing, z.null()),
  saveCapture: channel(saveCaptureInputSchema, captureSchema),
  saveCaptureImage: channel(captureImageInputSchema, captureSchema),
  removeCaptureImage: channel(captureImageRefSchema, captureSchema),
  startCaptureVideo: channel(startVideoInputSchema, startedVideoSchema),
  appendCaptureVideo: channel(videoPieceInputSchema, z.object({ bytes: z.number().int().nonnegative() })),
  endCaptureVideo: channel(endVideoInputSchema, captureSchema),
  discardCaptureVideo: channel(captureRefSchema, captureSchema),
  uploadCapture: channel(uploadCaptureInputSchema, uploadedCaptureSchema),
  cancelCaptureUpload: channel(captureRefSchema, z.object({ cancelled: z.boolean() })),
  abandonCapture: channel(captureRefSchema, z.null()),
  getLockState: channel(nothing, lockStateSchema),
  lockDesk: channel(nothing, lockStateSchema),
  /** The PIN is compared in main with the keychain's; it goes nowhere else, and never comes back. */
  unlockDesk: channel(unlockInputSchema, lockStateSchema),
  unlockDeskWithTouchId: channel(nothing, lockStateSchema),
  /** Input on the page (sent at most every few seconds): the officer is at the desk. */
  reportActivity: channel(nothing, z.null()),
  /** Team mode: its status (never the password) and the team's cases with their claims. */
  getTeam: channel(nothing, teamStateSchema),
  /** The password goes to the keychain, bound to the address and user; it never comes back. */
  saveTeamSetup: channel(teamSetupSchema, teamStatusSchema),
  checkTeamConnection: channel(teamCheckSchema, teamConnectionInfoSchema),
  /** The team's two-step mode and four eyes: the database lets only its admin role change them. */
  changeTeamSettings: channel(teamSettingsChangeSchema, teamSettingsSchema),
  /** A case opened: claimed while it stays open, if it is pending for this officer. */
  openTeamCase: channel(caseRefSchema, teamCaseViewSchema.nullable()),
  leaveTeamCase: channel(caseRefSchema, z.null()),
  /** The oldest unclaimed pending case, claimed for this officer; null when none is left. */
  takeNextCase: channel(nothing, teamCaseViewSchema.nullable()),
} satisfies Record<InvokeName, { input: z.ZodType; output: z.ZodType }>

export const eventChannels = {
  settingsChanged: settingsSchema,
  /** Queue rows that changed (a sync, an addition, a decision) or whose data was unsealed, numbered. */
  casesChanged: rowsChangedSchema,
  /** How far an addition of pairs is. */
  addCasesProgress: addCasesProgressSchema,
  syncChanged: syncStateSchema,
  /** A case's video: download progress (a few times a second at most), the end, or a failure. */
  videoProgress: videoProgressSchema,
  /** A case's decisions changed: an attempt, an outcome, a lost answer settled. */
  decisionsChanged: caseDecisionsSchema,
  /** Entries appended to the journal, in order: the journal view grows without reading it again. */
  journalAppended: z.object({ entries: z.array(journalEntrySchema) }),
  /** A capture's upload: the evidences, then the video's bytes sent, then idle. */
  captureProgress: captureProgressSchema,
  /** The desk locked or opened, or a wrong PIN made the next try wait. */
  lockChanged: lockStateSchema,
  /** Team mode's status: the link up or down, the team's settings. */
  teamChanged: teamStatusSchema,
  /** Team cases whose claim, status or validation changed (within a second of the change on any desk). */
  teamCasesChanged: teamCasesChangedSchema,
} satisfies Record<EventName, z.ZodType>

/** What the renderer passes. */
export type InvokeInput<N extends InvokeName> = z.input<(typeof invokeChannels)[N]['input']>
/** What a handler in main receives, after parsing. */
export type ParsedInput<N extends InvokeName> = z.output<(typeof invokeChannels)[N]['input']>
/** What a handler in main returns. */
export type HandlerOutput<N extends InvokeName> = z.input<(typeof invokeChannels)[N]['output']>
/** What the renderer receives. */
export type InvokeOutput<N extends InvokeName> = z.output<(typeof invokeChannels)[N]['output']>
export type EventPayload<E extends EventName> = z.output<(typeof eventChannels)[E]>

export type { EventName, InvokeName } from './channels'
