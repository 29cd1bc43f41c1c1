import tls from 'node:tls'
import { type Dispatcher, EnvHttpProxyAgent, interceptors } from 'undici'

export interface Timeouts {
  /** Time to open the TCP+TLS connection. */
  connectMs: number
  /** Time from sending a request to receiving all of the answer's headers. */
  headersMs: number
  /** Longest silence allowed between two pieces of an answer's body. */
  bodyMs: number
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 }

export interface TransportOptions {
  timeouts?: Timeouts
  /** An extra trusted CA in PEM (a corporate TLS-inspecting proxy's), on top of the other roots. */
  extraCaPem?: string
  /** Proxies; by default read from HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as officers' machines set them. */
  proxy?: { httpProxy?: string; httpsProxy?: string; noProxy?: string }
  /** Retries of a failed read; backoff doubles from `retryDelayMs`. */
  maxRetries?: number
  retryDelayMs?: number
}

/** `tls.getCACertificates`, where this Node has it (22.15 and 23.8 on, so in the Node that Electron ships). */
const getCACertificates = (tls as { getCACertificates?: (type: 'default' | 'system') => string[] })
  .getCACertificates

/**
 * The roots a connection trusts: Node's own, plus the operating system's store as Chromium trusts it (so a
 * TLS-inspecting proxy whose CA the administrator installed works with no set-up), plus the extra CA
 * given. Where this Node cannot read the system store, its bundled roots (and the extra CA) stand alone.
 */
export function trustedRoots(extraCaPem?: string): string[] | undefined {
  const system = getCACertificates?.('system') ?? []
  if (!system.length && !extraCaPem) return undefined
  return [
    ...(getCACertificates?.('default') ?? tls.rootCertificates),
    ...system,
    ...(extraCaPem ? [extraCaPem] : []),
  ]
}

/**
 * One keep-alive pool for every call to the Optimizer, through the proxy if one is set. Only GETs are
 * retried, by undici's own retry interceptor, which also resumes an interrupted body with `Range` where
 * the server allows it. Create, decisions and uploads are never sent twice: a lost answer to those is
 * settled by reading the request's status again.
 */
export function createDispatcher(options: TransportOptions = {}): Dispatcher {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS
  const ca = trustedRoots(options.extraCaPem)
  const agent = new EnvHttpProxyAgent({
    ...options.proxy,
    connect: {
      timeout: timeouts.connectMs,
      ...(ca ? { ca } : {}),
    },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    keepAliveTimeout: 10_000,
  })
  return agent.compose(
    interceptors.retry({
      methods: ['GET'],
      maxRetries: options.maxRetries ?? 2,
      minTimeout: options.retryDelayMs ?? 300,
      timeoutFactor: 2,
      // A 500 is the Optimizer's own answer (its words are kept); gateways' 502–504 are worth another try.
      statusCodes: [429, 502, 503, 504],
      errorCodes: [
        'ECONNRESET',
        'ECONNREFUSED',
        'ENOTFOUND',
        'ENETDOWN',
        'ENETUNREACH',
        'EHOSTDOWN',
        'EHOSTUNREACH',
        'EPIPE',
        'UND_ERR_SOCKET',
      ],
    }),
  )
}
