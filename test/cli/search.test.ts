// `demes search` against a stand-in API: what it sends, what it prints, with and without --json.
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

function roomWithChat (): void {
  api.addRoom('r-1', 'general', [
    { peerId: SELF.peerId, name: 'alice', role: 'voter', online: true },
    { peerId: BOB, name: 'bob', role: 'voter', online: true }
  ])
  api.addMessage('r-1', BOB, 'good morning')
  api.addMessage('r-1', SELF.peerId, 'morning bob\nhow are you?')
  api.addMessage('r-1', BOB, 'good night')
}

describe('search', () => {
  test('matches newest first with index, time and sender names; the words go into q', async () => {
    roomWithChat()
    const r = await run('search', 'general', 'morning')
    expect(r.code).toBe(0)
    const lines = r.out.split('\n')
    expect(lines[0]).toMatch(/^#3 \[[0-9:]+\] alice \(you\): morning bob$/)
    expect(lines[1]).toMatch(/^ {10,}how are you\?$/)
    expect(lines[2]).toMatch(/^#2 \[[0-9:]+\] bob: good morning$/)
    expect(lines).toHaveLength(4)
    const q = api.calls('GET', '/api/v1/rooms/r-1/search')[0].query
    expect(Object.fromEntries(q)).toEqual({ q: 'morning', limit: '20' })
  })

  test('several words, --limit and --before; a full page says how to get the next one', async () => {
    roomWithChat()
    const r = await run('search', 'r-1', 'good', 'NIGHT', '--limit', '1')
    expect(r.out).toMatch(/^#4 \[[0-9:]+\] bob: good night\n\(older matches: --before 4\)\n$/)
    expect(Object.fromEntries(api.calls('GET', '/api/v1/rooms/r-1/search')[0].query)).toEqual({ q: 'good NIGHT', limit: '1' })
    const next = await run('search', 'r-1', 'good', '--before', '4', '--limit', '5')
    expect(next.out).toMatch(/^#2 \[[0-9:]+\] bob: good morning\n$/)
    expect(Object.fromEntries(api.calls('GET', '/api/v1/rooms/r-1/search')[1].query)).toEqual({ q: 'good', limit: '5', before: '4' })
  })

  test('--json prints the response; no match says so', async () => {
    roomWithChat()
    const j = await run('search', 'general', 'night', '--json')
    expect(JSON.parse(j.out).messages.map((m: { text: string }) => m.text)).toEqual(['good night'])
    expect((await run('search', 'general', 'evening')).out).toBe('no messages found\n')
  })

  test('quotes and operators are passed on as typed; the node\'s refusal is shown as one line', async () => {
    roomWithChat()
    const r = await run('search', 'general', '"good', 'OR', 'NEAR(x)')
    expect(r.code).toBe(0)
    expect(api.calls('GET', '/api/v1/rooms/r-1/search')[0].query.get('q')).toBe('"good OR NEAR(x)')
    const bad = await run('search', 'general', '***')
    expect(bad).toEqual({ code: 1, out: '', err: expect.stringMatching(/^demes: .*no words to search for.*\n$/) })
  })

  test('empty or oversize words and a bad --limit are usage errors, caught before the API', async () => {
    for (const argv of [['search', 'r-1', '  '], ['search', 'r-1', 'x'.repeat(257)], ['search', 'r-1', 'a', '--limit', '101'], ['search', 'r-1', 'a', '--limit', '0'], ['search', 'r-1', 'a', '--before', '-1'], ['search', 'r-1']]) {
      const r = await run(...argv)
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 })
      expect(r.err).toMatch(/^demes: .+\n$/)
    }
    expect(api.requests).toHaveLength(0)
  })

  test('an unknown room is reported', async () => {
    const r = await run('search', 'nowhere', 'hello')
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^demes: .*nowhere/)
  })
})
