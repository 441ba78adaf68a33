// A small typed client for the node's local HTTP API (contract: src/node/api-types.ts and
// docs/api.md): finds the API and its token, turns error bodies into one-line messages, and reads
// the server-sent event stream.
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { MessageView, NodeEvent, NodeInfo, OutboxItem, RoomDetails, RoomSummary } from '../node/api-types.js'
import { CliError, oneLine, type ClientFlags } from './common.js'

export const API_PREFIX = '/api/v1'
export const NODE_FILE = 'node.json'
const DEFAULT_TIMEOUT_MS = 30_000
/** Joining dials the inviter and waits to be added to the room: give it longer. */
const JOIN_TIMEOUT_MS = 120_000

/** What the daemon writes to DIR/node.json once its API is listening. */
export interface NodeFile {
  peerId: string
  name: string
  api: string
  token: string
  addrs: string[]
}

export interface ApiEndpoint {
  /** e.g. http://127.0.0.1:7420 (without /api/v1) */
  api: string
  token: string
}

/** The data directory: --data-dir, else DEMES_HOME, else ~/.demes. */
export function resolveDataDir (flag: string | undefined, env: Record<string, string | undefined>, home: string = homedir()): string {
  const dir = nonEmpty(flag) ?? nonEmpty(env.DEMES_HOME)
  if (dir != null) return dir
  return join(home, '.demes')
}

/** Accepts http(s)://host:port[/api/v1] or host:port; returns the origin URL without a trailing slash. */
export function normalizeApiUrl (value: string): string {
  let v = value.trim()
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) v = 'http://' + v
  let url: URL
  try {
    url = new URL(v)
  } catch {
    throw new CliError(`invalid API address ${JSON.stringify(value)} (expected http://HOST:PORT)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`invalid API address ${JSON.stringify(value)} (expected http://HOST:PORT)`)
  let path = url.pathname.replace(/\/+$/, '')
  if (path.endsWith(API_PREFIX)) path = path.slice(0, -API_PREFIX.length)
  return `${url.protocol}//${url.host}${path}`
}

/**
 * Where the node's API is: --api/--token, else DEMES_API/DEMES_TOKEN, else DIR/node.json (written by
 * `demes start`). A missing piece (e.g. the token when only --api is given) is taken from node.json.
 * DEMES_API with port 0 is a bind request for `demes start`, not an address, and is ignored here.
 */
export async function resolveApi (flags: ClientFlags, env: Record<string, string | undefined>, home?: string): Promise<ApiEndpoint> {
  let api = nonEmpty(flags.api)
  if (api == null) {
    const fromEnv = nonEmpty(env.DEMES_API)
    if (fromEnv != null && !/:0$/.test(fromEnv.replace(/\/+$/, ''))) api = fromEnv
  }
  let token = nonEmpty(flags.token) ?? nonEmpty(env.DEMES_TOKEN)
  if (api == null || token == null) {
    const dir = resolveDataDir(flags.dataDir, env, home)
    const file = await readNodeFile(dir)
    api ??= file.api
    token ??= file.token
  }
  return { api: normalizeApiUrl(api), token }
}

/** Reads DIR/node.json; a missing or unreadable file is a clear one-line error. */
export async function readNodeFile (dir: string): Promise<NodeFile> {
  const path = join(dir, NODE_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`no running node found: ${path} does not exist (start one with \`demes start\`, or pass --api and --token)`)
    }
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`)
  }
  let parsed: Partial<NodeFile>
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new CliError(`${path} is not valid JSON`)
  }
  if (typeof parsed?.api !== 'string' || typeof parsed.token !== 'string') {
    throw new CliError(`${path} lacks "api" or "token"`)
  }
  return parsed as NodeFile
}

/** An error answer from the API: status and code kept for callers, message fit for one line. */
export class ApiRequestError extends CliError {
  constructor (readonly status: number, readonly code: string | undefined, message: string) {
    super(message)
    this.name = 'ApiRequestError'
  }
}

type Fetch = typeof globalThis.fetch

export class DemesClient {
  readonly base: string

  constructor (readonly endpoint: ApiEndpoint, private readonly fetchImpl: Fetch = globalThis.fetch) {
    this.base = endpoint.api + API_PREFIX
  }

  /** Resolves the API as `resolveApi` does and returns a client for it. */
  static async connect (flags: ClientFlags, env: Record<string, string | undefined>): Promise<DemesClient> {
    return new DemesClient(await resolveApi(flags, env))
  }

  async info (): Promise<NodeInfo> {
    return await this.request('GET', '/node')
  }

  async createRoom (name: string): Promise<{ roomId: string }> {
    return await this.request('POST', '/rooms', { name })
  }

  async listRooms (): Promise<RoomSummary[]> {
    return (await this.request<{ rooms: RoomSummary[] }>('GET', '/rooms')).rooms
  }

  async createInvite (roomId: string, ttlSeconds?: number): Promise<{ invite: string }> {
    return await this.request('POST', `/rooms/${enc(roomId)}/invites`, ttlSeconds == null ? {} : { ttlSeconds })
  }

  async join (invite: string): Promise<{ roomId: string }> {
    return await this.request('POST', '/join', { invite }, JOIN_TIMEOUT_MS)
  }

  async leave (roomId: string): Promise<void> {
    await this.request('POST', `/rooms/${enc(roomId)}/leave`)
  }

  async room (roomId: string): Promise<RoomDetails> {
    return await this.request('GET', `/rooms/${enc(roomId)}`)
  }

  async send (roomId: string, text: string): Promise<{ id: string, status: 'pending' }> {
    return await this.request('POST', `/rooms/${enc(roomId)}/messages`, { text })
  }

  async messages (roomId: string, opts: { after?: number, before?: number, limit?: number } = {}): Promise<MessageView[]> {
    const q = new URLSearchParams()
    if (opts.after != null) q.set('after', String(opts.after))
    if (opts.before != null) q.set('before', String(opts.before))
    if (opts.limit != null) q.set('limit', String(opts.limit))
    const qs = q.size > 0 ? `?${q.toString()}` : ''
    return (await this.request<{ messages: MessageView[] }>('GET', `/rooms/${enc(roomId)}/messages${qs}`)).messages
  }

  /** Messages with every word of `query`, newest first (GET /rooms/{id}/search). */
  async search (roomId: string, query: string, opts: { limit?: number, before?: number } = {}): Promise<MessageView[]> {
    const q = new URLSearchParams({ q: query })
    if (opts.limit != null) q.set('limit', String(opts.limit))
    if (opts.before != null) q.set('before', String(opts.before))
    return (await this.request<{ messages: MessageView[] }>('GET', `/rooms/${enc(roomId)}/search?${q.toString()}`)).messages
  }

  async outbox (roomId: string): Promise<OutboxItem[]> {
    return (await this.request<{ outbox: OutboxItem[] }>('GET', `/rooms/${enc(roomId)}/outbox`)).outbox
  }

  /**
   * Opens the live event stream (optionally for one room). Resolves once the server has answered,
   * so that nothing after this point is missed; iterate the result for events. Abort `signal` to close.
   */
  async events (opts: { roomId?: string, signal?: AbortSignal } = {}): Promise<AsyncGenerator<NodeEvent>> {
    const qs = opts.roomId != null ? `?room=${enc(opts.roomId)}` : ''
    const res = await this.fetchOrExplain(`${this.base}/events${qs}`, {
      method: 'GET',
      headers: { authorization: `Bearer ${this.endpoint.token}`, accept: 'text/event-stream' },
      signal: opts.signal
    })
    if (!res.ok) throw await errorFromResponse(res)
    if (res.body == null) throw new CliError('the event stream has no body')
    return nodeEvents(parseSse(res.body))
  }

  /** Resolves a ROOM argument: a known room id, else a room name that matches exactly one room. */
  async resolveRoom (arg: string): Promise<RoomSummary> {
    return pickRoom(await this.listRooms(), arg)
  }

  private async request<T> (method: string, path: string, body?: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.endpoint.token}`, accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await this.fetchOrExplain(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs)
    }, timeoutMs)
    if (!res.ok) throw await errorFromResponse(res)
    if (res.status === 204) return undefined as T
    const text = await res.text()
    if (text === '') return undefined as T
    try {
      return JSON.parse(text) as T
    } catch {
      throw new ApiRequestError(res.status, undefined, `the node answered ${method} ${path} with invalid JSON`)
    }
  }

  private async fetchOrExplain (url: string, init: RequestInit, timeoutMs?: number): Promise<Response> {
    try {
      return await this.fetchImpl(url, init)
    } catch (err) {
      throw explainFetchError(err, this.endpoint.api, timeoutMs)
    }
  }
}

/** Picks the room a ROOM argument names: an id first, then an exact, unique name. */
export function pickRoom (rooms: RoomSummary[], arg: string): RoomSummary {
  const byId = rooms.find(r => r.roomId === arg)
  if (byId != null) return byId
  const byName = rooms.filter(r => r.name === arg)
  if (byName.length === 1) return byName[0]
  if (byName.length > 1) {
    throw new CliError(`ambiguous room name ${JSON.stringify(arg)}: ${byName.length} rooms have it (use a room id: ${byName.map(r => r.roomId).join(', ')})`)
  }
  throw new CliError(`unknown room ${JSON.stringify(arg)} (see \`demes room list\`)`)
}

function explainFetchError (err: unknown, api: string, timeoutMs?: number): Error {
  const e = err as Error & { cause?: { code?: string, message?: string } }
  if (e?.name === 'TimeoutError') return new CliError(`the node at ${api} did not answer within ${Math.round((timeoutMs ?? 0) / 1000)}s`)
  if (e?.name === 'AbortError') return e
  const code = e?.cause?.code
  if (code === 'ECONNREFUSED') return new CliError(`cannot reach the node at ${api}: connection refused (is \`demes start\` running?)`)
  if (e?.cause?.message === 'bad port') return new CliError(`cannot reach the node at ${api}: fetch() refuses to connect to that port`)
  const detail = code ?? e?.cause?.message ?? e?.message ?? String(err)
  return new CliError(`cannot reach the node at ${api}: ${oneLine(detail)}`)
}

/** Turns `{"error":{"code","message"}}` (or any other body) into a one-line error. */
export async function errorFromResponse (res: Response): Promise<ApiRequestError> {
  let text = ''
  try {
    text = await res.text()
  } catch {}
  let code: string | undefined
  let message: string | undefined
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown, message?: unknown } }
    if (typeof body?.error?.code === 'string') code = body.error.code
    if (typeof body?.error?.message === 'string' && body.error.message.trim() !== '') message = body.error.message
  } catch {}
  if (message == null) {
    const snippet = oneLine(text).slice(0, 200)
    message = `HTTP ${res.status}${res.statusText !== '' ? ' ' + res.statusText : ''}${snippet !== '' ? ': ' + snippet : ''}`
  }
  if (res.status === 401) message = `the node rejected the API token: ${message}`
  return new ApiRequestError(res.status, code, oneLine(message))
}

export interface SseMessage {
  event: string
  data: string
  id?: string
}

/**
 * Parses a text/event-stream body (the WHATWG format: `field: value` lines, a blank line ends an
 * event, `:` starts a comment, several `data:` lines join with newlines).
 */
export async function * parseSse (body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []
  let id: string | undefined
  const chunks = 'getReader' in body ? readerChunks(body) : body
  for await (const chunk of chunks) {
    buffer += decoder.decode(chunk, { stream: true })
    let nl: number
    while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
      // a lone \r at the end of the buffer may be the first half of \r\n: wait for more
      if (buffer[nl] === '\r' && nl === buffer.length - 1) break
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1))
      if (line === '') {
        if (data.length > 0) yield { event: event === '' ? 'message' : event, data: data.join('\n'), ...(id != null ? { id } : {}) }
        event = ''
        data = []
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      let value = colon < 0 ? '' : line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
      else if (field === 'id') id = value
    }
  }
}

async function * readerChunks (stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/** SSE messages → NodeEvents; data that is not a JSON object is skipped. */
async function * nodeEvents (messages: AsyncGenerator<SseMessage>): AsyncGenerator<NodeEvent> {
  for await (const m of messages) {
    let value: unknown
    try {
      value = JSON.parse(m.data)
    } catch {
      continue
    }
    if (value == null || typeof value !== 'object') continue
    const ev = value as { type?: unknown }
    if (typeof ev.type !== 'string') ev.type = m.event
    yield ev as NodeEvent
  }
}

function enc (s: string): string {
  return encodeURIComponent(s)
}

function nonEmpty (s: string | undefined): string | undefined {
  return s == null || s.trim() === '' ? undefined : s.trim()
}
