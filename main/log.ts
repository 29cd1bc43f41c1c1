export type LogFields = Record<string, string | number | boolean | undefined>

/** Structured log lines. Callers pass facts (codes, ids, sizes), never request bodies or credentials. */
export interface Logger {
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

export type LogSink = (line: string) => void

export function createLogger(sink: LogSink): Logger {
  const write = (level: string, message: string, fields?: LogFields) =>
    sink(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }))
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  }
}
