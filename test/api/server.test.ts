// The HTTP adapter, tested over real HTTP against an in-memory stand-in for the node.
import { connect } from 'node:net'
import { jest } from '@jest/globals'
import { ApiError, MAX_ROOM_NAME_LENGTH } from '../../src/node/api-types.js'
import type { DemesNodeApi, MessageView, NodeEvent, NodeInfo, OutboxItem, RoomDetails, RoomSummary } from '../../src/node/api-types.js'
import { startApiServer } from '../../src/api/server.js'
import type { ApiServer, ApiServerOptions } from '../../src/api/server.js'
import { searchTerms } from '../../src/store/history.js'

const TOKEN = 'test-token-0123456789abcdef'
const MAX_TEXT = 4000

interface FakeRoom { roomId: string, name: string, messages: MessageView[], outbox: OutboxItem[] }

/** Keeps rooms and messages in arrays; stands in for DemesNode to test the HTTP adapter only. */
class FakeNode implements DemesNodeApi {
  rooms: FakeRoom[] = []
  created = 0
  listeners = new Set<(event: NodeEvent) => void>()
  seq = 0
  lastInviteOpts: { ttlMs?: number } | undefined
  lastMessagesOpts: { after?: number, before?: number, limit?: number } | undefined
  lastSearch: { query: string, opts?: { limit?: number, before?: number } } | undefined
  lastJoinSignal: AbortSignal | undefined
  left: string[] = []
  /** When set, join waits on this instead of answering at once. */
  joinHang = false
  /** When set, room() throws it. */
  roomFault: unknown

  info (): NodeInfo {
    return { peerId: '12D3KooWFake', name: 'alice', addrs: ['/ip4/127.0.0.1/tcp/4001'] }
  }

  async createRoom (name: string): Promise<{ roomId: string }> {
    if (name.trim() === '' || name.length > MAX_ROOM_NAME_LENGTH) throw new ApiError('bad-request', 'room name must be 1 to 100 characters')
    const roomId = `room-${++this.created}`
    this.rooms.push({ roomId, name, messages: [], outbox: [] })
    return { roomId }
  }

  listRooms (): RoomSummary[] {
    return this.rooms.map(r => ({ roomId: r.roomId, name: r.name }))
  }

  async createInvite (roomId: string, opts?: { ttlMs?: number }): Promise<string> {
    this.get(roomId)
    this.lastInviteOpts = opts
    return `demes-invite:${roomId}`
  }

  async join (invite: string, opts?: { signal?: AbortSignal }): Promise<{ roomId: string }> {
    this.lastJoinSignal = opts?.signal
    if (this.joinHang) {
      // never resolves by itself; also ignores the signal, so the server must not rely on it
      return await new Promise<never>(() => {})
    }
    const m = /^demes-invite:(.+)$/.exec(invite)
    if (m === null) throw new ApiError('bad-request', 'malformed invite')
    if (m[1] === 'offline') throw new ApiError('unavailable', 'the inviter cannot be reached')
    if (this.rooms.some(r => r.roomId === m[1])) throw new ApiError('conflict', 'already a member')
    this.rooms.push({ roomId: m[1], name: 'joined', messages: [], outbox: [] })
    return { roomId: m[1] }
  }

  async leave (roomId: string): Promise<void> {
    this.get(roomId)
    this.rooms = this.rooms.filter(r => r.roomId !== roomId)
    this.left.push(roomId)
  }

  room (roomId: string): RoomDetails {
    if (this.roomFault !== undefined) throw this.roomFault
    const r = this.get(roomId)
    return {
      roomId: r.roomId,
      name: r.name,
      term: 3,
      host: '12D3KooWFake',
      backups: [],
      commitIndex: r.messages.length,
      hostCommitIndex: r.messages.length,
      historyIndex: r.messages.length,
      members: [{ peerId: '12D3KooWFake', name: 'alice', role: 'voter', online: true }]
    }
  }

  async send (roomId: string, text: string): Promise<{ id: string, status: 'pending' }> {
    const r = this.get(roomId)
    if (text.length === 0 || text.length > MAX_TEXT) throw new ApiError('bad-request', `text must be 1 to ${MAX_TEXT} characters`)
    const seq = ++this.seq
    const id = `12D3KooWFake:${seq}`
    r.outbox.push({ id, seq, text, sentAt: 1000 + seq, status: 'pending' })
    return { id, status: 'pending' }
  }

  messages (roomId: string, opts?: { after?: number, before?: number, limit?: number }): MessageView[] {
    const r = this.get(roomId)
    this.lastMessagesOpts = opts
    const limit = opts?.limit ?? 100
    if (opts?.before != null) return r.messages.filter(m => m.index < (opts.before as number)).slice(-limit)
    const after = opts?.after ?? 0
    return r.messages.filter(m => m.index > after).slice(0, limit)
  }

  search (roomId: string, query: string, opts?: { limit?: number, before?: number }): MessageView[] {
    const r = this.get(roomId)
    this.lastSearch = { query, opts }
    // The real rules for what a query may be; matching here is a plain substring test.
    let words: string[][]
    try {
      words = searchTerms(query)
    } catch (err) {
      throw new ApiError('bad-request', (err as Error).message)
    }
    const found = r.messages.filter(m => m.index < (opts?.before ?? Infinity) && words.every(w => m.text.toLowerCase().includes(w.join(' '))))
    return found.reverse().slice(0, opts?.limit ?? 20)
  }

  outbox (roomId: string): OutboxItem[] {
    return this.get(roomId).outbox
  }

  subscribe (listener: (event: NodeEvent) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  emit (event: NodeEvent): void {
    for (const l of [...this.listeners]) l(event)
  }

  /** Commits n messages to a room (as the projection would). */
  commit (roomId: string, n: number): void {
    const r = this.get(roomId)
    for (let i = 0; i < n; i++) {
      const index = r.messages.length + 1
      r.messages.push({ index, term: 1, id: `peer:${index}`, sender: 'peer', text: `m${index}`, sentAt: index, status: 'committed' })
    }
  }

  private get (roomId: string): FakeRoom {
    const r = this.rooms.find(x => x.roomId === roomId)
    if (r === undefined) throw new ApiError('not-found', `no room ${roomId}`)
    return r
  }
}

let node: FakeNode
let servers: ApiServer[] = []
let server: ApiServer

async function start (extra: Partial<ApiServerOptions> = {}): Promise<ApiServer> {
  const s = await startApiServer({ node, host: '127.0.0.1', port: 0, token: TOKEN, ...extra })
  servers.push(s)
  return s
}

beforeEach(async () => {
  node = new FakeNode()
  server = await start()
})

afterEach(async () => {
  await Promise.all(servers.map(async s => { await s.close() }))
  servers = []
})

interface Res { status: number, body: any, headers: Headers }

async function call (method: string, path: string, opts: { body?: unknown, raw?: string, token?: string | null, headers?: Record<string, string>, base?: ApiServer } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`
  let body: string | undefined
  if (opts.raw !== undefined) body = opts.raw
  else if (opts.body !== undefined) body = JSON.stringify(opts.body)
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${(opts.base ?? server).url}${path}`, { method, headers, body })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers }
}

function expectError (res: Res, status: number, code: string): void {
  expect(res.status).toBe(status)
  expect(res.body).toEqual({ error: { code, message: expect.any(String) } })
  expect(res.body.error.message.length).toBeGreaterThan(0)
}

async function waitFor (cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

// ---- binding and auth ---------------------------------------------------------------------------

describe('binding', () => {
  test('listens on 127.0.0.1 with a free port and reports the url', () => {
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
  })

  test.each(['0.0.0.0', '::', '192.168.1.10', 'example.com', ''])('refuses the non-loopback host %j', async (host) => {
    await expect(startApiServer({ node, host, port: 0, token: TOKEN })).rejects.toThrow(/loopback/)
  })

  test('refuses an empty token and a bad port', async () => {
    await expect(startApiServer({ node, host: '127.0.0.1', port: 0, token: '' })).rejects.toThrow(/token/)
    await expect(startApiServer({ node, host: '127.0.0.1', port: 70000, token: TOKEN })).rejects.toThrow(/port/)
  })

  test('::1 gives a bracketed url; localhost works too', async () => {
    const v6 = await start({ host: '::1' })
    expect(v6.url).toBe(`http://[::1]:${v6.port}`)
    expect((await call('GET', '/api/v1/node', { base: v6 })).status).toBe(200)
    const local = await start({ host: 'localhost' })
    expect(local.url).toBe(`http://127.0.0.1:${local.port}`)
    expect((await call('GET', '/api/v1/node', { base: local })).status).toBe(200)
  })

  test('close() is idempotent and stops the listener', async () => {
    const s = await start()
    await s.close()
    await s.close()
    await expect(fetch(`${s.url}/api/v1/node`, { headers: { authorization: `Bearer ${TOKEN}` } })).rejects.toThrow()
  })
})

describe('auth', () => {
  test.each([
    ['no header', null, {}],
    ['wrong token', 'wrong-token-0123456789abcdef', {}],
    ['shorter token', 'x', {}],
    ['longer token', TOKEN + 'x', {}],
    ['wrong scheme', null, { authorization: `Basic ${TOKEN}` }],
    ['bare token', null, { authorization: TOKEN }]
  ] as Array<[string, string | null, Record<string, string>]>)('401 with %s', async (_name, token, headers) => {
    const res = await call('GET', '/api/v1/node', { token, headers })
    expectError(res, 401, 'unauthorized')
    expect(res.headers.get('www-authenticate')).toBe('Bearer')
  })

  test('every route, even an unknown one, needs the token', async () => {
    expectError(await call('GET', '/api/v1/nope', { token: null }), 401, 'unauthorized')
    expectError(await call('POST', '/api/v1/rooms', { token: null, body: { name: 'x' } }), 401, 'unauthorized')
    expectError(await call('GET', '/api/v1/events', { token: null }), 401, 'unauthorized')
    expect(node.rooms).toEqual([])
  })

  test('the scheme is case-insensitive', async () => {
    expect((await call('GET', '/api/v1/node', { token: null, headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200)
  })
})

// ---- routes -------------------------------------------------------------------------------------

describe('routes', () => {
  test('GET /node', async () => {
    const res = await call('GET', '/api/v1/node')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.body).toEqual({ peerId: '12D3KooWFake', name: 'alice', addrs: ['/ip4/127.0.0.1/tcp/4001'] })
  })

  test('POST /rooms and GET /rooms', async () => {
    const a = await call('POST', '/api/v1/rooms', { body: { name: 'friends' } })
    expect(a).toMatchObject({ status: 201, body: { roomId: 'room-1' } })
    const b = await call('POST', '/api/v1/rooms', { body: { name: 'work' } })
    expect(b).toMatchObject({ status: 201, body: { roomId: 'room-2' } })
    const list = await call('GET', '/api/v1/rooms')
    expect(list.status).toBe(200)
    expect(list.body).toEqual({ rooms: [{ roomId: 'room-1', name: 'friends' }, { roomId: 'room-2', name: 'work' }] })
  })

  test('POST /rooms with a name the node rejects → 400 from the ApiError', async () => {
    const res = await call('POST', '/api/v1/rooms', { body: { name: 'x'.repeat(MAX_ROOM_NAME_LENGTH + 1) } })
    expectError(res, 400, 'bad-request')
    expect(res.body.error.message).toBe('room name must be 1 to 100 characters')
  })

  test('POST /rooms/:roomId/invites with and without a ttl', async () => {
    await node.createRoom('r')
    const plain = await call('POST', '/api/v1/rooms/room-1/invites')
    expect(plain).toMatchObject({ status: 201, body: { invite: 'demes-invite:room-1' } })
    expect(node.lastInviteOpts).toBeUndefined()
    const emptyJson = await call('POST', '/api/v1/rooms/room-1/invites', { raw: '' })
    expect(emptyJson.status).toBe(201)
    const ttl = await call('POST', '/api/v1/rooms/room-1/invites', { body: { ttlSeconds: 3600 } })
    expect(ttl).toMatchObject({ status: 201, body: { invite: 'demes-invite:room-1' } })
    expect(node.lastInviteOpts).toEqual({ ttlMs: 3_600_000 })
    expectError(await call('POST', '/api/v1/rooms/room-1/invites', { body: { ttlSeconds: 0 } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/invites', { body: { ttlSeconds: 1.5 } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/invites', { body: { ttlSeconds: '60' } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/nope/invites'), 404, 'not-found')
  })

  test('POST /join', async () => {
    const ok = await call('POST', '/api/v1/join', { body: { invite: 'demes-invite:room-9' } })
    expect(ok).toMatchObject({ status: 200, body: { roomId: 'room-9' } })
    expect(node.lastJoinSignal).toBeInstanceOf(AbortSignal)
    expect(node.lastJoinSignal?.aborted).toBe(false)
    expectError(await call('POST', '/api/v1/join', { body: { invite: 'garbage' } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/join', { body: { invite: 'demes-invite:room-9' } }), 409, 'conflict')
    expectError(await call('POST', '/api/v1/join', { body: { invite: 'demes-invite:offline' } }), 503, 'unavailable')
    expectError(await call('POST', '/api/v1/join', { body: {} }), 400, 'bad-request')
  })

  test('POST /rooms/:roomId/leave → 204', async () => {
    await node.createRoom('r')
    const res = await call('POST', '/api/v1/rooms/room-1/leave')
    expect(res.status).toBe(204)
    expect(res.body).toBeUndefined()
    expect(node.left).toEqual(['room-1'])
    expect(node.rooms).toEqual([])
    expectError(await call('POST', '/api/v1/rooms/room-1/leave'), 404, 'not-found')
    // a client that always sends Content-Type: application/json with no body
    await node.createRoom('r2')
    expect((await call('POST', '/api/v1/rooms/room-2/leave', { raw: '' })).status).toBe(204)
  })

  test('GET /rooms/:roomId', async () => {
    await node.createRoom('friends')
    const res = await call('GET', '/api/v1/rooms/room-1')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      roomId: 'room-1',
      name: 'friends',
      term: 3,
      host: '12D3KooWFake',
      backups: [],
      commitIndex: 0,
      hostCommitIndex: 0,
      historyIndex: 0,
      members: [{ peerId: '12D3KooWFake', name: 'alice', role: 'voter', online: true }]
    })
    expectError(await call('GET', '/api/v1/rooms/room-2'), 404, 'not-found')
  })

  test('POST /rooms/:roomId/messages → 202 and the outbox shows it', async () => {
    await node.createRoom('r')
    const res = await call('POST', '/api/v1/rooms/room-1/messages', { body: { text: 'hello' } })
    expect(res).toMatchObject({ status: 202, body: { id: '12D3KooWFake:1', status: 'pending' } })
    const out = await call('GET', '/api/v1/rooms/room-1/outbox')
    expect(out.status).toBe(200)
    expect(out.body).toEqual({ outbox: [{ id: '12D3KooWFake:1', seq: 1, text: 'hello', sentAt: 1001, status: 'pending' }] })
    // text checks come from the node
    expectError(await call('POST', '/api/v1/rooms/room-1/messages', { body: { text: '' } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/messages', { body: { text: 'x'.repeat(MAX_TEXT + 1) } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/nope/messages', { body: { text: 'hi' } }), 404, 'not-found')
    expectError(await call('GET', '/api/v1/rooms/nope/outbox'), 404, 'not-found')
  })

  test('GET /rooms/:roomId/messages with after and limit', async () => {
    await node.createRoom('r')
    node.commit('room-1', 250)
    const first = await call('GET', '/api/v1/rooms/room-1/messages')
    expect(first.status).toBe(200)
    expect(first.body.messages).toHaveLength(100)
    expect(first.body.messages[0]).toEqual({ index: 1, term: 1, id: 'peer:1', sender: 'peer', text: 'm1', sentAt: 1, status: 'committed' })
    expect(node.lastMessagesOpts).toEqual({ after: 0, limit: 100 })
    const page = await call('GET', '/api/v1/rooms/room-1/messages?after=240&limit=5')
    expect(page.body.messages.map((m: MessageView) => m.index)).toEqual([241, 242, 243, 244, 245])
    expect(node.lastMessagesOpts).toEqual({ after: 240, limit: 5 })
    const max = await call('GET', '/api/v1/rooms/room-1/messages?after=0&limit=1000')
    expect(max.body.messages).toHaveLength(250)
    expect(node.lastMessagesOpts).toEqual({ after: 0, limit: 1000 })
    expectError(await call('GET', '/api/v1/rooms/nope/messages'), 404, 'not-found')
  })

  test('GET /rooms/:roomId/messages?before= pages backwards; after and before together are refused', async () => {
    await node.createRoom('r')
    node.commit('room-1', 50)
    const page = await call('GET', '/api/v1/rooms/room-1/messages?before=21&limit=3')
    expect(page.status).toBe(200)
    expect(page.body.messages.map((m: MessageView) => m.index)).toEqual([18, 19, 20])
    expect(node.lastMessagesOpts).toEqual({ before: 21, limit: 3 })
    expectError(await call('GET', '/api/v1/rooms/room-1/messages?before=5&after=1'), 400, 'bad-request')
    expectError(await call('GET', '/api/v1/rooms/room-1/messages?before=-1'), 400, 'bad-request')
  })

  test('GET /rooms/:roomId/search passes q, limit and before to the node and answers { messages }', async () => {
    await node.createRoom('r')
    node.commit('room-1', 30)
    const res = await call('GET', '/api/v1/rooms/room-1/search?q=m2')
    expect(res.status).toBe(200)
    expect(node.lastSearch).toEqual({ query: 'm2', opts: { limit: 20 } })
    expect(res.body.messages[0]).toEqual({ index: 29, term: 1, id: 'peer:29', sender: 'peer', text: 'm29', sentAt: 29, status: 'committed' })
    const page = await call('GET', `/api/v1/rooms/room-1/search?q=${encodeURIComponent('m1 "x')}&limit=3&before=15`)
    expect(page.status).toBe(200)
    expect(node.lastSearch).toEqual({ query: 'm1 "x', opts: { limit: 3, before: 15 } })
  })

  test('GET /rooms/:roomId/search refuses a missing, empty, oversize or repeated q, a bad limit or before, unknown parameters', async () => {
    await node.createRoom('r')
    const bad = async (query: string, message: RegExp): Promise<void> => {
      const res = await call('GET', `/api/v1/rooms/room-1/search${query}`)
      expectError(res, 400, 'bad-request')
      expect(res.body.error.message).toMatch(message)
    }
    await bad('', /must have property 'q'/)
    await bad('?q=', /q must NOT have fewer than 1 characters/)
    await bad(`?q=${'x'.repeat(257)}`, /q must NOT have more than 256 characters/)
    await bad('?q=a&q=b', /q must be string/)
    await bad('?q=a&limit=101', /^limit must be an integer from 1 to 100$/)
    await bad('?q=a&limit=0', /^limit must be an integer from 1 to 100$/)
    await bad('?q=a&before=-1', /^before must be an integer >= 0$/)
    await bad('?q=a&after=1', /unknown property 'after'/)
    // The node's own verdict on the words (none here) comes back as a 400 too.
    await bad('?q=***', /no words/)
    expectError(await call('GET', '/api/v1/rooms/nope/search?q=a'), 404, 'not-found')
    expect((await call('GET', `/api/v1/rooms/room-1/search?q=${'x'.repeat(256)}`)).status).toBe(200)
  })
})

// ---- validation and errors ----------------------------------------------------------------------

describe('validation and error mapping', () => {
  beforeEach(async () => { await node.createRoom('r') })

  test('missing text → 400 naming the property', async () => {
    const res = await call('POST', '/api/v1/rooms/room-1/messages', { body: {} })
    expectError(res, 400, 'bad-request')
    expect(res.body.error.message).toMatch(/text/)
    expect(node.rooms[0].outbox).toEqual([])
  })

  test('no body at all where one is required → 400', async () => {
    expectError(await call('POST', '/api/v1/rooms/room-1/messages'), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/messages', { raw: '' }), 400, 'bad-request')
  })

  test('extra properties → 400, not silently dropped', async () => {
    const res = await call('POST', '/api/v1/rooms/room-1/messages', { body: { text: 'hi', admin: true } })
    expectError(res, 400, 'bad-request')
    expect(res.body.error.message).toMatch(/admin/)
    expectError(await call('POST', '/api/v1/rooms', { body: { name: 'x', extra: 1 } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/invites', { body: { ttl: 5 } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/leave', { body: { now: true } }), 400, 'bad-request')
    expectError(await call('GET', '/api/v1/rooms/room-1/messages?since=3'), 400, 'bad-request')
    expectError(await call('GET', '/api/v1/node?x=1'), 400, 'bad-request')
    expect(node.rooms).toHaveLength(1)
    expect(node.rooms[0].outbox).toEqual([])
  })

  test('wrong types are not coerced', async () => {
    expectError(await call('POST', '/api/v1/rooms/room-1/messages', { body: { text: 42 } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/messages', { body: { text: ['hi'] } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/messages', { body: { text: null } }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/messages', { body: 'hi' }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms/room-1/messages', { body: [{ text: 'hi' }] }), 400, 'bad-request')
    expect(node.rooms[0].outbox).toEqual([])
  })

  test.each([
    'limit=0', 'limit=1001', 'limit=-1', 'limit=abc', 'limit=1.5', 'limit=', 'limit=01',
    'after=-1', 'after=x', 'after=1e3', 'limit=5&limit=6'
  ])('messages?%s → 400', async (query) => {
    const res = await call('GET', `/api/v1/rooms/room-1/messages?${query}`)
    expectError(res, 400, 'bad-request')
    expect(res.body.error.message).toMatch(/after|limit/)
  })

  test('room id longer than 128 characters → 400; 128 is fine', async () => {
    expectError(await call('GET', `/api/v1/rooms/${'a'.repeat(129)}`), 400, 'bad-request')
    expectError(await call('GET', `/api/v1/events?room=${'a'.repeat(129)}`), 400, 'bad-request')
    expectError(await call('GET', `/api/v1/rooms/${'a'.repeat(128)}`), 404, 'not-found')
  })

  test('malformed JSON → 400; a JSON __proto__ key → 400; a non-JSON body → 415', async () => {
    expectError(await call('POST', '/api/v1/rooms', { raw: '{"name":' }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms', { raw: '{"name":"x","__proto__":{"admin":true}}' }), 400, 'bad-request')
    expectError(await call('POST', '/api/v1/rooms', { raw: 'name=x', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported-media-type')
    expect(node.rooms).toHaveLength(1)
  })

  test('oversize body → 413', async () => {
    const res = await call('POST', '/api/v1/rooms/room-1/messages', { body: { text: 'x'.repeat(70 * 1024) } })
    expectError(res, 413, 'payload-too-large')
    expect(node.rooms[0].outbox).toEqual([])
    // just under the limit passes the HTTP layer and reaches the node's own text check
    expectError(await call('POST', '/api/v1/rooms/room-1/messages', { body: { text: 'x'.repeat(60 * 1024) } }), 400, 'bad-request')
  })

  test('unknown route and unknown method → 404 with the error shape', async () => {
    expectError(await call('GET', '/api/v1/nope'), 404, 'not-found')
    expectError(await call('GET', '/'), 404, 'not-found')
    expectError(await call('DELETE', '/api/v1/rooms/room-1'), 404, 'not-found')
    expectError(await call('PUT', '/api/v1/rooms', { body: { name: 'x' } }), 404, 'not-found')
  })

  test.each([
    [new ApiError('conflict', 'busy'), 409, 'conflict', 'busy'],
    [new ApiError('unavailable', 'no host'), 503, 'unavailable', 'no host'],
    [new ApiError('not-found', 'gone'), 404, 'not-found', 'gone'],
    [new ApiError('bad-request', 'nope'), 400, 'bad-request', 'nope'],
    [new ApiError('internal', 'store broke'), 500, 'internal', 'store broke']
  ])('ApiError %p maps to its status', async (fault, status, code, message) => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => {})
    try {
      node.roomFault = fault
      const res = await call('GET', '/api/v1/rooms/room-1')
      expectError(res, status, code)
      expect(res.body.error.message).toBe(message)
    } finally {
      spy.mockRestore()
    }
  })

  test('an unexpected error → 500 with a generic message, and is logged', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => {})
    try {
      node.roomFault = new Error('secret detail /home/alice/.demes')
      const res = await call('GET', '/api/v1/rooms/room-1')
      expectError(res, 500, 'internal')
      expect(res.body.error.message).toBe('internal error')
      expect(spy).toHaveBeenCalledTimes(1)
      expect(String(spy.mock.calls[0][1])).toMatch(/secret detail/)
    } finally {
      spy.mockRestore()
    }
  })
})

// ---- join cancellation --------------------------------------------------------------------------

describe('join cancellation', () => {
  test('aborts the join signal when the client disconnects', async () => {
    node.joinHang = true
    const ac = new AbortController()
    const req = fetch(`${server.url}/api/v1/join`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ invite: 'demes-invite:room-5' }),
      signal: ac.signal
    })
    await waitFor(() => node.lastJoinSignal !== undefined)
    expect(node.lastJoinSignal?.aborted).toBe(false)
    ac.abort()
    await expect(req).rejects.toThrow()
    await waitFor(() => node.lastJoinSignal?.aborted === true)
  })

  test('gives up after the join timeout with 503, even if the node ignores the signal', async () => {
    node.joinHang = true
    const s = await start({ joinTimeoutMs: 100 })
    const res = await call('POST', '/api/v1/join', { base: s, body: { invite: 'demes-invite:room-5' } })
    expectError(res, 503, 'unavailable')
    expect(res.body.error.message).toMatch(/join/)
    expect(node.lastJoinSignal?.aborted).toBe(true)
  })

  test('close() does not wait for a pending join', async () => {
    node.joinHang = true
    const s = await start()
    const req = call('POST', '/api/v1/join', { base: s, body: { invite: 'demes-invite:room-5' } })
    await waitFor(() => node.lastJoinSignal !== undefined)
    const t0 = Date.now()
    await s.close()
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(node.lastJoinSignal?.aborted).toBe(true)
    const res = await req
    expectError(res, 503, 'unavailable')
  })
})

// ---- server-sent events -------------------------------------------------------------------------

interface SseEvent { event: string, data: any }

/** Reads an SSE response; `next(n)` resolves with the next n events, `comments` collects `: ...` lines. */
function sseReader (res: Response): { next: (n: number, ms?: number) => Promise<SseEvent[]>, comments: string[], ended: () => Promise<boolean>, cancel: () => Promise<void> } {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  const events: SseEvent[] = []
  const comments: string[] = []
  let done = false
  const pump = async (): Promise<void> => {
    const chunk = await reader.read()
    if (chunk.done) { done = true; return }
    buffer += decoder.decode(chunk.value, { stream: true })
    let cut: number
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut)
      buffer = buffer.slice(cut + 2)
      let event = 'message'
      let data: string | undefined
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line)
        else if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('data: ')) data = line.slice(6)
      }
      if (data !== undefined) events.push({ event, data: JSON.parse(data) })
    }
  }
  const withDeadline = async <T>(p: Promise<T>, ms: number): Promise<T> => {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error('SSE read timed out')) }, ms) })])
    } finally {
      clearTimeout(timer)
    }
  }
  let pending: Promise<void> | undefined
  const step = async (ms: number): Promise<void> => {
    pending ??= pump().finally(() => { pending = undefined })
    await withDeadline(pending, ms)
  }
  return {
    comments,
    cancel: async () => { await reader.cancel() },
    next: async (n, ms = 3000) => {
      const deadline = Date.now() + ms
      while (events.length < n && !done) await step(Math.max(1, deadline - Date.now()))
      return events.splice(0, n)
    },
    ended: async () => {
      const deadline = Date.now() + 3000
      while (!done) await step(Math.max(1, deadline - Date.now()))
      return done
    }
  }
}

async function openEvents (query = '', base: ApiServer = server, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(`${base.url}/api/v1/events${query}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal })
  return res
}

function msg (roomId: string, index: number): NodeEvent {
  return { type: 'message', roomId, message: { index, term: 1, id: `p:${index}`, sender: 'p', text: `t${index}`, sentAt: index, status: 'committed' } }
}

describe('GET /events', () => {
  test('delivers every event in order, then unsubscribes when the client disconnects', async () => {
    const ac = new AbortController()
    const res = await openEvents('', server, ac.signal)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await waitFor(() => node.listeners.size === 1)
    const sent: NodeEvent[] = [
      msg('room-1', 1),
      { type: 'receipt', roomId: 'room-1', id: 'p:1', status: 'delivered' },
      { type: 'host', roomId: 'room-2', host: null, term: 4 },
      { type: 'members', roomId: 'room-1', members: [{ peerId: 'p', role: 'learner', online: false }] }
    ]
    for (let i = 2; i <= 50; i++) sent.push(msg('room-1', i))
    for (const e of sent) node.emit(e)
    const sse = sseReader(res)
    const got = await sse.next(sent.length)
    expect(got.map(e => e.event)).toEqual(sent.map(e => e.type))
    expect(got.map(e => e.data)).toEqual(sent)
    ac.abort()
    await waitFor(() => node.listeners.size === 0)
    // and close() does not hang on the connection the client dropped
    const t0 = Date.now()
    await server.close()
    expect(Date.now() - t0).toBeLessThan(1000)
  })

  test('?room filters to one room', async () => {
    const res = await openEvents('?room=room-2')
    await waitFor(() => node.listeners.size === 1)
    node.emit(msg('room-1', 1))
    node.emit(msg('room-2', 1))
    node.emit({ type: 'host', roomId: 'room-1', host: 'x', term: 1 })
    node.emit({ type: 'host', roomId: 'room-2', host: 'y', term: 2 })
    const sse = sseReader(res)
    const got = await sse.next(2)
    expect(got.map(e => [e.event, e.data.roomId])).toEqual([['message', 'room-2'], ['host', 'room-2']])
    await sse.cancel()
    await waitFor(() => node.listeners.size === 0)
  })

  test('several clients each get the events; one leaving does not affect the other', async () => {
    const a = new AbortController()
    const resA = await openEvents('', server, a.signal)
    const resB = await openEvents()
    await waitFor(() => node.listeners.size === 2)
    node.emit(msg('r', 1))
    const sseA = sseReader(resA)
    const sseB = sseReader(resB)
    expect((await sseA.next(1))[0].data).toEqual(msg('r', 1))
    a.abort()
    await waitFor(() => node.listeners.size === 1)
    node.emit(msg('r', 2))
    expect((await sseB.next(2)).map(e => e.data)).toEqual([msg('r', 1), msg('r', 2)])
    await sseB.cancel()
    await waitFor(() => node.listeners.size === 0)
  })

  test('sends keep-alive comments', async () => {
    const s = await start({ sseKeepAliveMs: 30 })
    const res = await openEvents('', s)
    const sse = sseReader(res)
    await waitFor(() => node.listeners.size === 1)
    await new Promise(resolve => setTimeout(resolve, 120))
    node.emit(msg('r', 1))
    await sse.next(1)
    expect(sse.comments.filter(c => c === ': keep-alive').length).toBeGreaterThanOrEqual(1)
    await sse.cancel()
    await waitFor(() => node.listeners.size === 0)
  })

  test('close() ends open streams and unsubscribes them', async () => {
    const s = await start()
    const res = await openEvents('', s)
    const sse = sseReader(res)
    await waitFor(() => node.listeners.size === 1)
    node.emit(msg('r', 1))
    expect(await sse.next(1)).toHaveLength(1)
    await s.close()
    expect(await sse.ended()).toBe(true)
    expect(node.listeners.size).toBe(0)
  })

  test('limits the number of concurrent streams', async () => {
    const s = await start({ maxSseClients: 1 })
    const first = await openEvents('', s)
    await waitFor(() => node.listeners.size === 1)
    const second = await call('GET', '/api/v1/events', { base: s })
    expectError(second, 503, 'unavailable')
    await first.body!.cancel()
    await waitFor(() => node.listeners.size === 0)
  })

  test('drops a client that stops reading instead of buffering without bound', async () => {
    const s = await start({ sseMaxBacklog: 20 })
    const socket = connect(s.port, '127.0.0.1')
    let closed = false
    socket.on('close', () => { closed = true })
    socket.on('error', () => {})
    await new Promise<void>(resolve => socket.once('connect', () => { resolve() }))
    socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`)
    await waitFor(() => node.listeners.size === 1)
    socket.pause() // read nothing more: the kernel buffers fill, then node's, then the backlog bound trips
    const big = 'x'.repeat(64 * 1024)
    let emitted = 0
    for (let i = 0; i < 2000 && node.listeners.size > 0; i++) {
      node.emit({ type: 'message', roomId: 'r', message: { index: i, term: 1, id: `p:${i}`, sender: 'p', text: big, sentAt: i, status: 'committed' } })
      emitted++
      if (i % 10 === 9) await new Promise(resolve => setImmediate(resolve))
    }
    expect(node.listeners.size).toBe(0)
    expect(emitted).toBeLessThan(2000)
    socket.resume()
    await waitFor(() => closed)
    socket.destroy()
  })
})
