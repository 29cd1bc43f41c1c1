import { randomUUID } from 'node:crypto'
import { evidencesProblems } from './evidences'
import { DEFAULT_RAO, type Mode, type Person, type RaoAccount, SEED_CASES } from './seed'

/** One Video ID and its request, as the Optimizer keeps them. */
export interface VideoCase {
  videoidPk: number
  requestPk: number
  status: string
  mode: Mode
  registrationAuthority: string
  profile: string
  email: string
  mobilePhoneNumber: string
  person: Partial<Person>
  hasEvidences: boolean
  /** The evidences body as it arrived, once one was accepted. */
  evidences?: Record<string, unknown>
  video?: { file: string; contentType: string }
  refuseReason?: string
}

export interface StoredToken {
  username: string
  password?: string
  pin?: string
}

/** What an answer carries before the server (or a fault) writes it. */
export type Answer = { status: number; json: unknown } | { status: number; file: string; contentType: string }

const envelope = (status: number, details: unknown): Answer => ({
  status,
  json: { status: `${status} ${STATUS_TEXT[status] ?? ''}`.trim(), details },
})
const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  412: 'Precondition Failed',
  500: 'Internal Server Error',
}
/**
 * Errors keep the legacy shape in both generations (guess, Q8: the current API documents none); field
 * problems come as an object of messages by field, as the legacy API gives them (notes §6).
 */
export const fail = (status: number, details: string | Record<string, string[]>) => envelope(status, details)

/**
 * The two API generations the simulator speaks, one per server, never mixed: the current 1.0.0
 * (`{status:"success", message, details}`, its own field names) or the legacy v1 (`{status:"200 OK",
 * details}`, legacy field names), as `oneshot-api-notes.md` §0 and §1 show them.
 */
export type Generation = 'current' | 'legacy'

export interface Billing {
  username: string
  /** Base64, as the Optimizer stores it. */
  password: string
}

export class SimulatorState {
  readonly cases = new Map<number, VideoCase>()
  private readonly byRequest = new Map<number, VideoCase>()
  readonly tokens = new Map<string, StoredToken>()
  readonly raos: RaoAccount[]
  billing: Billing | undefined = {
    username: 'billing@example.org',
    password: Buffer.from('Sim-Billing-1').toString('base64'),
  }
  environment = 'sandbox'
  defaultProfile = 'PFnubeQAFCiudadano'
  defaultRa = '1400'
  tsaUrl = 'https://tsa.sandbox.uanataca.com/tsa/tss01'
  private nextVideoidPk = 16673
  private nextRequestPk = 923056
  readonly generation: Generation

  constructor(options: { raos?: RaoAccount[]; seed?: boolean; generation?: Generation }) {
    this.raos = options.raos ?? [DEFAULT_RAO]
    this.generation = options.generation ?? 'current'
    if (options.seed !== false) {
      for (const seed of SEED_CASES) {
        const created = this.addCase({
          mode: seed.mode,
          email: seed.person.email,
          mobilePhoneNumber: seed.person.mobile_phone_number,
          registrationAuthority: this.defaultRa,
          profile: this.defaultProfile,
        })
        Object.assign(created, {
          status: seed.status,
          person: seed.person,
          hasEvidences: Boolean(seed.evidences),
          ...(seed.video ? { video: { file: seed.video, contentType: contentTypeOf(seed.video) } } : {}),
        })
      }
    }
  }

  /** A success in this server's generation: its words, and what it carries. */
  ok(message: string, details?: unknown): Answer {
    if (this.generation === 'legacy') return envelope(200, details === undefined ? message : details)
    return {
      status: 200,
      json: { status: 'success', message, ...(details === undefined ? {} : { details }) },
    }
  }

  addCase(
    fields: Pick<VideoCase, 'mode' | 'email' | 'mobilePhoneNumber' | 'registrationAuthority' | 'profile'>,
  ): VideoCase {
    const created: VideoCase = {
      ...fields,
      videoidPk: this.nextVideoidPk++,
      requestPk: this.nextRequestPk++,
      status: 'VIDEOPENDING',
      person: { email: fields.email, mobile_phone_number: fields.mobilePhoneNumber },
      hasEvidences: false,
    }
    this.cases.set(created.videoidPk, created)
    this.byRequest.set(created.requestPk, created)
    return created
  }

  /** A case removed from `cases` (a test's request the Optimizer forgot) is gone from here too. */
  byRequestPk(requestPk: number): VideoCase | undefined {
    const found = this.byRequest.get(requestPk)
    return found && this.cases.get(found.videoidPk) === found ? found : undefined
  }

  /** The RAO a decision's body speaks for: full credentials, or a token plus what it lacks. */
  authorize(body: Record<string, unknown>): RaoAccount | Answer {
    const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : undefined)
    let username = field('username')
    let password = field('password')
    let pin = field('pin')
    const token = field('token')
    if (token !== undefined) {
      const stored = this.tokens.get(token)
      if (!stored) return fail(403, 'Invalid RAO credentials')
      username = stored.username
      password = stored.password ?? password
      pin = stored.pin ?? pin
    }
    const rao = field('rao') ?? field('rao_id')
    if (!username || !password || !pin || !rao) return fail(400, "incomplete RAO's credentials")
    const account = this.raos.find((candidate) => candidate.username === username)
    if (!account || account.password !== password || account.pin !== pin || account.rao !== rao) {
      return fail(403, 'Invalid RAO credentials')
    }
    return account
  }

  createToken(body: Record<string, unknown>): Answer {
    const username = typeof body.username === 'string' ? body.username : undefined
    if (!username) return fail(400, 'Missing parameter: username')
    const password = typeof body.password === 'string' ? body.password : undefined
    const pin = typeof body.pin === 'string' ? body.pin : undefined
    const account = this.raos.find((candidate) => candidate.username === username)
    if (
      !account ||
      (password !== undefined && password !== account.password) ||
      (pin !== undefined && pin !== account.pin)
    ) {
      return fail(404, "Error getting RAO's id. Make sure the credentials are correct.")
    }
    for (const existing of this.tokens.values()) {
      if (existing.username === username && existing.password === password && existing.pin === pin) {
        return fail(400, 'A token with these credentials already exist!')
      }
    }
    // Legacy tokens are 32 hex digits, answered bare; current ones are UUIDs, in an object (§1.2).
    const uid = this.generation === 'legacy' ? randomUUID().replaceAll('-', '') : randomUUID()
    this.tokens.set(uid, { username, ...(password ? { password } : {}), ...(pin ? { pin } : {}) })
    return this.ok('Token created', this.generation === 'legacy' ? uid : { token_uid: uid })
  }

  tokenParts(token: StoredToken) {
    return { username: token.username, password: token.password !== undefined, pin: token.pin !== undefined }
  }

  createVideoId(body: Record<string, unknown>): Answer {
    for (const required of ['mobile_phone_number', 'email', 'registration_authority', 'profile']) {
      if (typeof body[required] !== 'string' || !(body[required] as string).trim()) {
        return fail(400, `Missing parameter: ${required}`)
      }
    }
    if (body.env !== undefined && body.env !== 'sandbox' && body.env !== 'prod') {
      return fail(400, `Environment ${String(body.env)} does not exist`)
    }
    const billingPassword = body.billing_password
    if (typeof billingPassword === 'string' && !isBase64(billingPassword)) {
      return fail(500, 'Billing credentials not valid. Please check if they are base64 encoded')
    }
    if (typeof billingPassword !== 'string' && !this.billing) {
      return fail(500, 'Cannot check the remaining credit: billing credentials are missing')
    }
    const created = this.addCase({
      mode: 'one-step',
      email: body.email as string,
      mobilePhoneNumber: body.mobile_phone_number as string,
      registrationAuthority: body.registration_authority as string,
      profile: body.profile as string,
    })
    if (this.generation === 'legacy') {
      return this.ok('VideoID created', {
        videoid_pk: created.videoidPk,
        videoid_link: `https://cms.sandbox.uanataca.com/lcmpl/videoid/${created.videoidPk}`,
        request_pk: created.requestPk,
      })
    }
    // As the current API's page shows it, typo and odd field included (§1.5).
    return {
      status: 200,
      json: {
        status: 'success',
        messsage: `VideoID created with pk ${created.videoidPk}`,
        detail: { videoid_link: created.videoidPk, request_pk: created.requestPk },
      },
    }
  }

  /** Evidences and video both in: ready for the RAO. One of them: incomplete. */
  private afterUpload(target: VideoCase): void {
    target.status = target.hasEvidences && target.video ? 'VIDEOREVIEW' : 'VIDEOINCOMPLETE'
  }

  uploadEvidences(target: VideoCase, body: Record<string, unknown>): Answer {
    if (!['VIDEOPENDING', 'VIDEOINCOMPLETE'].includes(target.status) || target.hasEvidences) {
      // The RA calls a Video ID whose evidences are in "COMPLETE" (notes §1.5, from VID-2022).
      const status = target.hasEvidences ? 'COMPLETE' : target.status
      return fail(
        500,
        `Error uploading evidences: {"code": "412", "error": "Invalid VideoId status '${status}'"}`,
      )
    }
    // Field by field against the reference; a 4xx, as a schema error is the client's (guess, Q8).
    const problems = evidencesProblems(body)
    if (Object.keys(problems).length) return fail(400, problems)
    const ocr = (body.videoid_data as { ocr_data: Record<string, unknown> }).ocr_data
    target.evidences = body
    target.person = { ...target.person, ...(ocr as Partial<Person>) }
    target.hasEvidences = true
    this.afterUpload(target)
    return this.ok('VideoID evidences uploaded')
  }

  uploadVideo(target: VideoCase, file: string, contentType: string): Answer {
    if (!['VIDEOPENDING', 'VIDEOINCOMPLETE'].includes(target.status) || target.video) {
      return fail(
        500,
        `Error uploading video: {"code": "412", "error": "Invalid VideoId status '${target.status}'"}`,
      )
    }
    target.video = { file, contentType }
    this.afterUpload(target)
    return this.ok('VideoID video uploaded')
  }

  // Guess (open question Q4): validate in one-step mode answers 412.
  validate(target: VideoCase): Answer {
    if (target.mode !== 'two-step')
      return fail(412, 'Validation is not enabled for this Registration Authority (1-step mode)')
    if (target.status !== 'VIDEOREVIEW') return fail(412, `Invalid request status '${target.status}'`)
    target.status = 'CREATED'
    return this.ok('VideoID validated')
  }

  // Guess (Q2, notes §6): a decision in the wrong state answers 500 with an RA-style message.
  approve(target: VideoCase): Answer {
    const ready = target.mode === 'two-step' ? 'CREATED' : 'VIDEOREVIEW'
    if (target.status !== ready) {
      return fail(
        500,
        `Cannot approve Request ${target.requestPk}: Invalid request status '${target.status}'`,
      )
    }
    target.status = 'ENROLLREADY'
    return this.ok('VideoID approved')
  }

  // Guess (Q2): refuse answers 200 with no envelope (the current API shows no body for it).
  refuse(target: VideoCase, reason: unknown): Answer {
    if (typeof reason !== 'string' || !reason.trim()) return fail(400, 'No reason specified')
    if (!['VIDEOREVIEW', 'CREATED'].includes(target.status)) {
      return fail(
        500,
        `Error refusing Video ID: {"code": "412", "error": "Invalid VideoId status '${target.status}'"}`,
      )
    }
    target.status = 'CANCELLED'
    target.refuseReason = reason.trim()
    return { status: 200, json: null }
  }

  requestDetails(target: VideoCase) {
    return {
      pk: target.requestPk,
      status: target.status,
      videoid_mode: target.mode === 'two-step' ? 2 : 1,
      registration_authority: Number(target.registrationAuthority),
      profile: target.profile,
      scratchcard: String(2678100 + (target.requestPk % 1000)),
      ...target.person,
    }
  }

  settings() {
    return {
      tsa: { tsa_url: this.tsaUrl },
      request: { default_profile: this.defaultProfile, default_ra: this.defaultRa },
      billing: {
        billing_username: this.billing?.username ?? '',
        billing_password: this.billing?.password ?? '',
      },
      general: {
        environment: this.environment,
        rootstore: 'uanataca',
        configuration: 'default',
        usepdfclean: false,
      },
    }
  }

  updateSettings(body: Record<string, Record<string, unknown>>): Answer {
    const password = body.billing?.billing_password
    if (typeof password === 'string' && !isBase64(password)) {
      return fail(400, 'Billing credentials not valid. Please check if they are base64 encoded')
    }
    const environment = body.general?.environment
    if (environment !== undefined && environment !== 'sandbox' && environment !== 'prod') {
      return fail(400, `Environment ${String(environment)} does not exist`)
    }
    if (typeof body.tsa?.tsa_url === 'string') this.tsaUrl = body.tsa.tsa_url
    if (typeof body.request?.default_profile === 'string') this.defaultProfile = body.request.default_profile
    if (typeof body.request?.default_ra === 'string') this.defaultRa = body.request.default_ra
    if (typeof body.billing?.billing_username === 'string') {
      this.billing = { username: body.billing.billing_username, password: this.billing?.password ?? '' }
    }
    if (typeof password === 'string') this.billing = { username: this.billing?.username ?? '', password }
    if (typeof environment === 'string') this.environment = environment
    return this.ok('Settings saved successfully')
  }
}

function isBase64(value: string): boolean {
  return value.length > 0 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)
}

export function contentTypeOf(file: string): string {
  return file.endsWith('.webm') ? 'video/webm' : 'video/mp4'
}
