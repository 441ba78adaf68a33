// What every `demes` command shares: the injected terminal (so tests can run main() in-process),
// the two kinds of failure and their exit codes, option parsers, and display helpers.
import { InvalidArgumentError, type Command } from 'commander'
import type { MemberView } from '../node/api-types.js'

export interface Writer {
  write: (chunk: string) => unknown
}

/** The process's terminal and environment, injected so that tests can call main() directly. */
export interface Io {
  stdout: Writer
  stderr: Writer
  stdin: NodeJS.ReadableStream
  env: Record<string, string | undefined>
}

/** Exit codes: 0 success, 1 a failure while doing the work, 2 a usage error (caught before any work). */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** Bad user input: printed as `demes: <message>`, exit code 2. */
export class UsageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** A failure with a message that is already fit to show the user: `demes: <message>`, exit code 1. */
export class CliError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CliError'
  }
}

/** One line: newlines and runs of whitespace collapse to a single space. */
export function oneLine (text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** Options every command that talks to a running node accepts. */
export interface ClientFlags {
  api?: string
  token?: string
  dataDir?: string
}

export interface JsonFlag {
  json?: boolean
}

/** Adds --api, --token and --data-dir: where to find the running node. */
export function addClientOptions (cmd: Command): Command {
  return cmd
    .option('--api <url>', 'the node API, e.g. http://127.0.0.1:7420 (env DEMES_API; default: read from DIR/node.json)')
    .option('--token <token>', 'the API token (env DEMES_TOKEN; default: read from DIR/node.json)')
    .option('--data-dir <dir>', 'the node data directory DIR (env DEMES_HOME; default ~/.demes)')
}

export function addJsonOption (cmd: Command): Command {
  return cmd.option('--json', 'print the API response as JSON')
}

/** An argParser for integer options within [min, max]. */
export function intOption (min: number, max: number = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    if (!/^[0-9]+$/.test(value.trim())) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`)
    const n = Number(value)
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`)
    return n
  }
}

/** An argParser for repeatable options; each value may also be comma-separated. */
export function collect (value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...splitList(value)]
}

export function splitList (value: string): string[] {
  return value.split(',').map(s => s.trim()).filter(s => s.length > 0)
}

export function printJson (io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

/** The last characters of a peer id: enough to tell peers apart on screen. */
export function shortPeerId (peerId: string): string {
  return peerId.length > 12 ? '…' + peerId.slice(-8) : peerId
}

/** Display names for peers: the member's name when known, else a short peer id. */
export class PeerNames {
  private readonly names = new Map<string, string>()

  constructor (members: MemberView[] = [], private readonly self?: { peerId: string, name: string }) {
    this.update(members)
  }

  update (members: MemberView[]): void {
    for (const m of members) {
      if (m.name != null && m.name !== '') this.names.set(m.peerId, m.name)
    }
  }

  of (peerId: string | null | undefined): string {
    if (peerId == null) return '(none)'
    const name = this.names.get(peerId) ?? (this.self?.peerId === peerId ? this.self.name : undefined)
    if (name == null) return shortPeerId(peerId)
    return this.self?.peerId === peerId ? `${name} (you)` : name
  }
}

/** Local time, HH:MM:SS, or with the date when not today. */
export function formatTime (ms: number, now: number = Date.now()): string {
  const d = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  const today = new Date(now)
  if (d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate()) return time
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`
}

/**
 * Text from other peers (messages, names) made safe for a terminal: control characters, which
 * could move the cursor or rewrite the screen, are shown as U+FFFD; newlines and tabs are kept
 * unless `singleLine`.
 */
export function sanitize (text: string, singleLine = false): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '\ufffd')
  return singleLine ? cleaned.replace(/[\t\n]/g, ' ') : cleaned
}

/** Indents every line after the first by `indent` spaces so that multi-line text stays readable. */
export function indentContinuation (text: string, indent: number): string {
  return text.replace(/\n/g, '\n' + ' '.repeat(indent))
}
