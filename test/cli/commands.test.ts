// The client commands against a stand-in API: what they send, what they print, with and without --json.
import { main } from '../../src/cli/demes.js'
import { BOB, captureIo, FakeApi, SELF, TOKEN } from './fake-api.js'

let api: FakeApi
beforeEach(async () => { api = await new FakeApi().start() })
afterEach(async () => { await api.stop() })

async function run (...argv: string[]): Promise<{ code: number, out: string, err: string }> {
  const c = captureIo({ DEMES_API: api.url, DEMES_TOKEN: TOKEN })
  const code = await main(argv, c.io)
  return { code, out: c.out(), err: c.err() }
}

describe('room create', () => {
  test('prints the new room id; sends the name with the bearer token', async () => {
    const r = await run('room', 'create', 'general')
    expect(r).toEqual({ code: 0, out: 'created room "general": room1\n', err: '' })
    const [call] = api.calls('POST', '/api/v1/rooms')
    expect(call.body).toEqual({ name: 'general' })
    expect(call.auth).toBe(`Bearer ${TOKEN}`)
  })

  test('--json prints the response', async () => {
    const r = await run('room', 'create', 'general', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toEqual({ roomId: 'room1' })
  })

  test('an empty name is a usage error, caught before the API', async () => {
    const r = await run('room', 'create', '  ')
    expect(r).toEqual({ code: 2, out: '', err: 'demes: the room name is empty\n' })
    expect(api.requests).toHaveLength(0)
  })
})

describe('room list', () => {
  test('no rooms', async () => {
    const r = await run('room', 'list')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^no rooms/)
  })

  test('a table of ids and names, and --json', async () => {
    api.addRoom('r-1', 'general')
    api.addRoom('r-22', 'random')
    const r = await run('room', 'list')
    expect(r.out).toBe('ROOM ID  NAME\nr-1      general\nr-22     random\n')
    const j = await run('room', 'list', '--json')
    expect(JSON.parse(j.out)).toEqual({ rooms: [{ roomId: 'r-1', name: 'general' }, { roomId: 'r-22', name: 'random' }] })
  })

  test('control characters in names from peers are neutralised', async () => {
    api.addRoom('r-1', 'evil\u001b[2Jname')
    const r = await run('room', 'list')
    expect(r.out).not.toContain('\u001b')
    expect(r.out).toContain('evil\ufffd[2Jname')
  })
})

describe('room invite', () => {
  test('by room name, with --ttl; prints only the code', async () => {
    api.addRoom('r-1', 'general')
    const r = await run('room', 'invite', 'general', '--ttl', '600')
    expect(r).toEqual({ code: 0, out: 'demes1invite-for-r-1\n', err: '' })
    expect(api.calls('POST', '/api/v1/rooms/r-1/invites')[0].body).toEqual({ ttlSeconds: 600 })
  })

  test('by room id without --ttl; --json', async () => {
    api.addRoom('r-1', 'general')
    const r = await run('room', 'invite', 'r-1', '--json')
    expect(JSON.parse(r.out)).toEqual({ invite: 'demes1invite-for-r-1' })
    expect(api.calls('POST', '/api/v1/rooms/r-1/invites')[0].body).toEqual({})
  })

  test('a non-integer --ttl is a usage error', async () => {
    const r = await run('room', 'invite', 'general', '--ttl', '1.5')
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/^demes: .*--ttl.*must be an integer.*\n$/)
    expect(api.requests).toHaveLength(0)
  })
})

describe('room join', () => {
  test('joins and names the room', async () => {
    const r = await run('room', 'join', 'demes1abc')
    expect(r).toEqual({ code: 0, out: 'joined room "joined room": joined1\n', err: '' })
    expect(api.calls('POST', '/api/v1/join')[0].body).toEqual({ invite: 'demes1abc' })
  })

  test('--json', async () => {
    const r = await run('room', 'join', 'demes1abc', '--json')
    expect(JSON.parse(r.out)).toEqual({ roomId: 'joined1' })
  })

  test('a code without the demes1 prefix is rejected before the API', async () => {
    const r = await run('room', 'join', 'hello')
    expect(r).toEqual({ code: 2, out: '', err: 'demes: not a DeMeS invite code (it starts with demes1)\n' })
    expect(api.requests).toHaveLength(0)
  })

  test('the node rejecting the invite is a one-line failure', async () => {
    const r = await run('room', 'join', 'demes1expired')
    expect(r).toEqual({ code: 1, out: '', err: 'demes: the invite has expired\n' })
  })
})

describe('room leave', () => {
  test('resolves the name and leaves', async () => {
    api.addRoom('r-1', 'general')
    const r = await run('room', 'leave', 'general')
    expect(r).toEqual({ code: 0, out: 'left room "general": r-1\n', err: '' })
    expect(api.calls('POST', '/api/v1/rooms/r-1/leave')).toHaveLength(1)
  })
})

describe('send', () => {
  test('joins the words with spaces', async () => {
    api.addRoom('r-1', 'general')
    const r = await run('send', 'general', 'hello', 'there', 'world')
    expect(r).toEqual({ code: 0, out: `sent ${SELF.peerId}:1 (pending)\n`, err: '' })
    expect(api.calls('POST', '/api/v1/rooms/r-1/messages')[0].body).toEqual({ text: 'hello there world' })
  })

  test('--json', async () => {
    api.addRoom('r-1', 'general')
    const r = await run('send', 'r-1', 'hi', '--json')
    expect(JSON.parse(r.out)).toEqual({ id: `${SELF.peerId}:1`, status: 'pending' })
  })

  test('empty text and missing text are usage errors', async () => {
    api.addRoom('r-1', 'general')
    expect(await run('send', 'r-1', ' ', '')).toEqual({ code: 2, out: '', err: 'demes: the message is empty\n' })
    const missing = await run('send', 'r-1')
    expect(missing.code).toBe(2)
    expect(missing.err).toBe("demes: missing required argument 'text'\n")
    expect(api.requests).toHaveLength(0)
  })

  test('an unknown room', async () => {
    api.addRoom('r-1', 'general')
    const r = await run('send', 'nope', 'hi')
    expect(r).toEqual({ code: 1, out: '', err: 'demes: unknown room "nope" (see `demes room list`)\n' })
  })

  test('an ambiguous room name lists the ids', async () => {
    api.addRoom('r-1', 'general')
    api.addRoom('r-2', 'general')
    const r = await run('send', 'general', 'hi')
    expect(r.code).toBe(1)
    expect(r.err).toBe('demes: ambiguous room name "general": 2 rooms have it (use a room id: r-1, r-2)\n')
  })

  test('a room id wins over another room\'s equal name', async () => {
    api.addRoom('r-1', 'r-2')
    api.addRoom('r-2', 'other')
    await run('send', 'r-2', 'hi')
    expect(api.calls('POST', '/api/v1/rooms/r-2/messages')).toHaveLength(1)
  })
})

describe('history', () => {
  test('messages with sender names, and --json', async () => {
    api.addRoom('r-1', 'general', [
      { peerId: SELF.peerId, name: 'alice', role: 'voter', online: true },
      { peerId: BOB, name: 'bob', role: 'voter', online: true }
    ])
    api.addMessage('r-1', BOB, 'hi alice')
    api.addMessage('r-1', SELF.peerId, 'hi bob\nhow are you?')
    const r = await run('history', 'general')
    expect(r.code).toBe(0)
    const lines = r.out.split('\n')
    expect(lines[0]).toMatch(/^#2 \[[0-9:]+\] bob: hi alice$/)
    expect(lines[1]).toMatch(/^#3 \[[0-9:]+\] alice \(you\): hi bob$/)
    expect(lines[2]).toMatch(/^ {10,}how are you\?$/)
    const j = await run('history', 'general', '--json')
    expect(JSON.parse(j.out).messages.map((m: { text: string }) => m.text)).toEqual(['hi alice', 'hi bob\nhow are you?'])
  })

  test('--limit and --after go into the query', async () => {
    api.addRoom('r-1', 'general')
    const r = await run('history', 'r-1', '--limit', '5', '--after', '3')
    expect(r.out).toBe('no messages\n')
    const q = api.calls('GET', '/api/v1/rooms/r-1/messages')[0].query
    expect(q.get('limit')).toBe('5')
    expect(q.get('after')).toBe('3')
  })

  test('a bad --limit is a usage error', async () => {
    for (const limit of ['abc', '0', '1001', '-1', '2.5']) {
      const r = await run('history', 'r-1', '--limit', limit)
      expect(r.code).toBe(2)
      expect(r.err).toMatch(/^demes: .*--limit.*\n$/)
    }
    expect(api.requests).toHaveLength(0)
  })
})

describe('status', () => {
  test('the node: peer id, name, addresses; --json', async () => {
    const r = await run('status')
    expect(r.code).toBe(0)
    expect(r.out).toContain(`peer id:   ${SELF.peerId}`)
    expect(r.out).toContain('name:      alice')
    expect(r.out).toContain(SELF.addrs[0])
    expect(JSON.parse((await run('status', '--json')).out)).toEqual(SELF)
  })

  test('a room: host, term, commit index, members with role and online', async () => {
    const room = api.addRoom('r-1', 'general', [
      { peerId: SELF.peerId, name: 'alice', role: 'voter', online: true },
      { peerId: BOB, name: 'bob', role: 'learner', online: false }
    ], BOB)
    room.details.term = 7
    room.details.commitIndex = 42
    const r = await run('status', 'general')
    expect(r.code).toBe(0)
    expect(r.out).toContain('room:         general (r-1)')
    expect(r.out).toContain(`host:         bob ${BOB}`)
    expect(r.out).toContain('term:         7')
    expect(r.out).toContain('commit index: 42')
    expect(r.out).toContain('members:      2 (1 online)')
    expect(r.out).toMatch(/alice \(you\) +voter +online +\S*/)
    expect(r.out).toMatch(/bob +learner +offline +host +12D3KooWBob/)
    const j = await run('status', 'r-1', '--json')
    expect(JSON.parse(j.out)).toEqual(room.details)
  })

  test('a member catching up shows its progress towards the host\'s commit index', async () => {
    const room = api.addRoom('r-1', 'general', [], BOB)
    room.details.commitIndex = 2500
    room.details.hostCommitIndex = 10_000
    expect((await run('status', 'r-1')).out).toContain('commit index: 2500 (catching up: 2500 of 10000, 25 %)')
    room.details.commitIndex = 10_000
    room.details.historyIndex = 10_000
    expect((await run('status', 'r-1')).out).toMatch(/commit index: 10000\n/)
    expect((await run('status', 'r-1')).out).not.toContain('history:')
  })

  test('a history filling in from a snapshot shows its progress towards the commit index', async () => {
    const room = api.addRoom('r-1', 'general', [], BOB)
    room.details.commitIndex = 10_000
    room.details.historyIndex = 7500
    expect((await run('status', 'r-1')).out).toContain('history:      filling in: 7500 of 10000, 75 %')
  })

  test('a room with no host', async () => {
    api.addRoom('r-1', 'general', [], null)
    const r = await run('status', 'r-1')
    expect(r.out).toContain('host:         (none: election in progress)')
  })
})
