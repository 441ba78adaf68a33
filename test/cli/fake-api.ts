// A stand-in for the daemon's HTTP API (the contract in src/node/api-types.ts and docs/api.md),
// just enough to test the CLI as an adapter: it records requests, serves canned state, and lets
// a test push server-sent events.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { PassThrough } from 'node:stream'
import type { MemberView, MessageView, NodeEvent, NodeInfo, RoomDetails } from '../../src/node/api-types.js'
import type { Io } from '../../src/cli/common.js'

export const TOKEN = 'test-token'
export const SELF: NodeInfo = { peerId: '12D3KooWSelfSelfSelfSelfSelfSelfSelfSelf0001', name: 'alice', addrs: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWSelfSelfSelfSelfSelfSelfSelfSelf0001'] }
export const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBob0002'
export const CAROL = '12D3KooWCarolCarolCarolCarolCarolCarol0003'

export interface Recorded {
  method: string
  path: string
  query: URLSearchParams
  body: unknown
  auth: string | undefined
}

export interface FakeRoom {
  details: RoomDetails
  messages: MessageView[]
}

type Override = (req: Recorded) => { status: number, body?: unknown, raw?: string } | undefined

export class FakeApi {
  readonly requests: Recorded[] = []
  readonly rooms = new Map<string, FakeRoom>()
  /** Lets a test answer a request itself (e.g. with an error). */
  override: Override | undefined
  /** Runs before POST /messages answers (e.g. to push receipts the client sees before the answer). */
  beforeSendReply: ((id: string) => Promise<void> | void) | undefined
  private readonly streams = new Set<{ res: ServerResponse, room: string | null }>()
  private server!: Server
  private nextRoom = 1
  private nextSeq = 1
  url = ''

  async start (): Promise<this> {
    this.server = createServer((req, res) => { void this.handle(req, res) })
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve))
    const addr = this.server.address()
    if (addr == null || typeof addr === 'string') throw new Error('no address')
    this.url = `http://127.0.0.1:${addr.port}`
    return this
  }

  async stop (): Promise<void> {
    for (const s of this.streams) s.res.destroy()
    this.server.closeAllConnections()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
  }

  addRoom (roomId: string, name: string, members: MemberView[] = [{ peerId: SELF.peerId, name: SELF.name, role: 'voter', online: true }], host: string | null = SELF.peerId): FakeRoom {
    const room: FakeRoom = { details: { roomId, name, term: 1, host, backups: [], commitIndex: 1, hostCommitIndex: 1, historyIndex: 1, members }, messages: [] }
    this.rooms.set(roomId, room)
    return room
  }

  addMessage (roomId: string, sender: string, text: string): MessageView {
    const room = this.rooms.get(roomId)!
    const index = room.details.commitIndex + 1
    room.details.commitIndex = index
    const m: MessageView = { index, term: room.details.term, id: `${sender}:${index}`, sender, text, sentAt: Date.now(), status: 'committed' }
    room.messages.push(m)
    return m
  }

  get streamCount (): number {
    return this.streams.size
  }

  emit (event: NodeEvent): void {
    for (const s of this.streams) {
      if (s.room == null || s.room === event.roomId) s.res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    }
  }

  /** The requests to a path (and method), in order. */
  calls (method: string, path: string): Recorded[] {
    return this.requests.filter(r => r.method === method && r.path === path)
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x')
    let text = ''
    for await (const chunk of req) text += String(chunk)
    const rec: Recorded = { method: req.method ?? '', path: url.pathname, query: url.searchParams, body: text === '' ? undefined : JSON.parse(text), auth: req.headers.authorization }
    this.requests.push(rec)
    const send = (status: number, body?: unknown): void => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' })
      res.end(body === undefined ? undefined : JSON.stringify(body))
    }
    const error = (status: number, code: string, message: string): void => send(status, { error: { code, message } })

    const o = this.override?.(rec)
    if (o != null) {
      if (o.raw != null) {
        res.writeHead(o.status, { 'content-type': 'text/html' })
        res.end(o.raw)
      } else send(o.status, o.body)
      return
    }
    if (rec.auth !== `Bearer ${TOKEN}`) return error(401, 'bad-request', 'missing or wrong bearer token')
    const p = rec.path.replace(/^\/api\/v1/, '')
    const body = (rec.body ?? {}) as Record<string, unknown>
    let m: RegExpExecArray | null
    if (rec.method === 'GET' && p === '/node') return send(200, SELF)
    if (rec.method === 'POST' && p === '/rooms') {
      if (typeof body.name !== 'string' || body.name === '') return error(400, 'bad-request', 'name must be a non-empty string')
      const roomId = `room${this.nextRoom++}`
      this.addRoom(roomId, body.name)
      return send(201, { roomId })
    }
    if (rec.method === 'GET' && p === '/rooms') return send(200, { rooms: [...this.rooms.values()].map(r => ({ roomId: r.details.roomId, name: r.details.name })) })
    if (rec.method === 'POST' && p === '/join') {
      if (typeof body.invite !== 'string' || !body.invite.startsWith('demes1')) return error(400, 'bad-request', 'malformed invite')
      if (body.invite === 'demes1expired') return error(400, 'bad-request', 'the invite has expired')
      this.addRoom('joined1', 'joined room')
      return send(200, { roomId: 'joined1' })
    }
    if (rec.method === 'GET' && p === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      res.write(': connected\n\n')
      const s = { res, room: url.searchParams.get('room') }
      this.streams.add(s)
      res.on('close', () => this.streams.delete(s))
      return
    }
    if ((m = /^\/rooms\/([^/]+)(\/.*)?$/.exec(p)) != null) {
      const room = this.rooms.get(decodeURIComponent(m[1]))
      if (room == null) return error(404, 'not-found', `unknown room ${m[1]}`)
      const rest = m[2] ?? ''
      if (rec.method === 'GET' && rest === '') return send(200, room.details)
      if (rec.method === 'POST' && rest === '/invites') return send(201, { invite: `demes1invite-for-${room.details.roomId}` })
      if (rec.method === 'POST' && rest === '/leave') {
        this.rooms.delete(room.details.roomId)
        return send(204)
      }
      if (rec.method === 'POST' && rest === '/messages') {
        if (typeof body.text !== 'string' || body.text.trim() === '') return error(400, 'bad-request', 'text must not be empty')
        const id = `${SELF.peerId}:${this.nextSeq++}`
        await this.beforeSendReply?.(id)
        return send(202, { id, status: 'pending' })
      }
      if (rec.method === 'GET' && rest === '/messages') {
        const after = Number(url.searchParams.get('after') ?? 0)
        const limit = Number(url.searchParams.get('limit') ?? 100)
        return send(200, { messages: room.messages.filter(x => x.index > after).slice(0, limit) })
      }
      if (rec.method === 'GET' && rest === '/search') {
        // Like the node: every word must occur (here a plain substring test), newest first.
        const q = url.searchParams.get('q') ?? ''
        const words = q.toLowerCase().split(/\s+/).filter(w => /[\p{L}\p{N}]/u.test(w))
        if (words.length === 0) return error(400, 'bad-request', 'the search query has no words to search for (letters or digits)')
        const before = Number(url.searchParams.get('before') ?? Infinity)
        const limit = Number(url.searchParams.get('limit') ?? 20)
        const found = room.messages.filter(x => x.index < before && words.every(w => x.text.toLowerCase().includes(w)))
        return send(200, { messages: found.reverse().slice(0, limit) })
      }
      if (rec.method === 'GET' && rest === '/outbox') return send(200, { outbox: [] })
    }
    error(404, 'not-found', `no route ${rec.method} ${rec.path}`)
  }
}

export interface CapturedIo {
  io: Io
  stdin: PassThrough
  out: () => string
  err: () => string
}

export function captureIo (env: Record<string, string | undefined> = {}): CapturedIo {
  const out: string[] = []
  const err: string[] = []
  const stdin = new PassThrough()
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, stdin, env },
    stdin,
    out: () => out.join(''),
    err: () => err.join('')
  }
}

export async function waitFor (cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
