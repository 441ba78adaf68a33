import { format } from 'node:util'
import type { Logger } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'

/** A node's logger (demes:test:NAME) that also records every line, so a test can see what the node did. */
export function recordingLogger (name: string, lines: string[]): Logger {
  const base = defaultLogger().forComponent(`demes:test:${name}`)
  const record = (formatter: unknown, ...args: unknown[]): void => { lines.push(format(String(formatter).replaceAll('%e', '%s'), ...args)) }
  const log = (formatter: unknown, ...args: unknown[]): void => { record(formatter, ...args); base(formatter, ...args) }
  return Object.assign(log, {
    error: (formatter: unknown, ...args: unknown[]): void => { record(formatter, ...args); base.error(formatter, ...args) },
    trace: base.trace,
    enabled: base.enabled,
    newScope: (scope: string) => base.newScope(scope)
  })
}
