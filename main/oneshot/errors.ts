import { AppError, type AppErrorShape } from '../../shared/errors'

/** Node's names for certificate problems, in words an officer can pass to their IT department. */
export const TLS_PROBLEMS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain contains a self-signed certificate (a corporate proxy?)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate cannot be verified',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer of the server certificate is unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer of the server certificate is not trusted on this computer',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate is for a different host name',
  CERT_REVOKED: 'the server certificate has been revoked',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS on this port (http vs https?)',
  EPROTO: 'the TLS handshake failed',
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
])
const TIMEOUTS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
])

/** Walks `cause` chains: undici wraps the socket error that names the real problem. */
function chainOf(error: unknown): { code?: unknown; name?: unknown }[] {
  const chain: { code?: unknown; name?: unknown }[] = []
  let current: unknown = error
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    chain.push(current as { code?: unknown; name?: unknown })
    current = (current as { cause?: unknown }).cause
  }
  return chain
}
const codesOf = (error: unknown): string[] =>
  chainOf(error).flatMap((link) => (typeof link.code === 'string' ? [link.code] : []))

/** Something answered, but not in HTTP: it was reached, and is not an Optimizer. */
const notHttp = (error: unknown) =>
  chainOf(error).some(
    (link) =>
      link.name === 'HTTPParserError' || (typeof link.code === 'string' && link.code.startsWith('HPE_')),
  )

/** Failures of the connection itself: the request never reached a server. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])

/**
 * No answer came, though the request may have reached the Optimizer and taken effect: the connection
 * was cut or timed out after it was made. Not a refused connection, an unknown host or TLS.
 */
export const answerLost = (error: AppError): boolean =>
  (error.code === 'unreachable' || error.code === 'timeout') &&
  error.httpStatus === undefined &&
  !NEVER_SENT.has(error.detail ?? '')

/** A failure before a readable HTTP answer: the network, TLS, a timeout, a cancellation, or retries run out. */
export function fromTransportError(error: unknown): AppError {
  if (error instanceof AppError) return error
  const codes = codesOf(error)
  // A caller's own limit (AbortSignal.timeout) ends the call as a timeout, not as a cancel.
  if (error instanceof Error && error.name === 'TimeoutError')
    return new AppError('timeout', 'The Optimizer took too long to answer.', 'the check’s own limit')
  if ((error instanceof Error && error.name === 'AbortError') || codes.includes('UND_ERR_ABORTED')) {
    return new AppError('cancelled', 'The operation was cancelled.')
  }
  // undici's retry interceptor gives up on a status it retried with this error, which names the status.
  const status = (error as { statusCode?: unknown } | null)?.statusCode
  if (codes.includes('UND_ERR_REQ_RETRY') && typeof status === 'number') {
    if (status >= 400) return fromHttpStatus(status, undefined)
    return new AppError(
      'unreachable',
      'The connection to the Optimizer was cut.',
      'the answer could not be resumed',
    )
  }
  if (notHttp(error)) return unexpectedAnswer('the answer is not HTTP')
  const tls = codes.find((code) => code in TLS_PROBLEMS)
  if (tls)
    return new AppError('tls', 'A secure connection to the Optimizer could not be made.', TLS_PROBLEMS[tls])
  const timeout = codes.find((code) => TIMEOUTS.has(code))
  if (timeout) return new AppError('timeout', 'The Optimizer took too long to answer.', timeout)
  const unreachable = codes.find((code) => UNREACHABLE.has(code))
  if (unreachable) return new AppError('unreachable', 'The Optimizer cannot be reached.', unreachable)
  return new AppError('unreachable', 'The Optimizer cannot be reached.', codes[0])
}

/**
 * A non-2xx answer, with the server's own words kept as detail. Only the status decides: the words are
 * not documented, and a wrong state behind a 500 is told by re-reading the request (decision service).
 */
export function fromHttpStatus(status: number, serverMessage: string | undefined): AppError {
  const detail = serverMessage ? `HTTP ${status}: ${serverMessage}` : `HTTP ${status}`
  const answered = (code: AppErrorShape['code'], message: string) =>
    new AppError(code, message, detail, status)
  if (status === 403 || status === 401)
    return answered('invalid_credentials', 'The Optimizer refused the RAO credentials.')
  if (status === 404) return answered('not_found', 'The Optimizer does not know this item.')
  if (status === 412)
    return answered('wrong_state', 'This Video ID is not in a state that allows this action.')
  if (status >= 400 && status < 500) return answered('rejected', 'The Optimizer rejected the request.')
  return answered('server_error', 'The Optimizer had an internal problem.')
}

export const unexpectedAnswer = (detail: string) =>
  new AppError('unexpected_answer', 'The Optimizer gave an answer RAO Desk does not understand.', detail)
