// Failures: error bodies become one line, exit codes (1 failure, 2 usage), strict flags, and
// finding the node's API (flags > environment > DIR/node.json).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../src/cli/demes.js'
import { captureIo, FakeApi, TOKEN } from './fake-api.js'

let api: FakeApi
let dir: string
beforeEach(async () => {
  api = await new FakeApi().start()
  dir = await mkdtemp(join(tmpdir(), 'demes-cli-'))
})
afterEach(async () => {
  await api.stop()
  await rm(dir, { recursive: true, force: true })
})

async function run (env: Record<string, string | undefined>, ...argv: string[]): Promise<{ code: number, out: string, err: string }> {
  const c = captureIo(env)
  const code = await main(argv, c.io)
  return { code, out: c.out(), err: c.err() }
}
const apiEnv = (): Record<string, string> => ({ DEMES_API: api.url, DEMES_TOKEN: TOKEN })

describe('API errors', () => {
  test.each([
    [400, 'bad-request', 'text is longer than 4096 bytes'],
    [404, 'not-found', 'unknown room r-1'],
    [409, 'conflict', 'already a member'],
    [413, 'bad-request', 'body too large'],
    [503, 'unavailable', 'no host reachable:\nretry later'],
    [500, 'internal', 'internal error']
  ])('HTTP %i {code: %s} → one line, exit 1', async (status, code, message) => {
    api.addRoom('r-1', 'general')
    api.override = (req) => req.method === 'POST' ? { status, body: { error: { code, message } } } : undefined
    const r = await run(apiEnv(), 'send', 'r-1', 'hi')
    expect(r.code).toBe(1)
    expect(r.out).toBe('')
    expect(r.err).toBe(`demes: ${message.replace(/\s+/g, ' ')}\n`)
  })

  test('a body that is not the error shape', async () => {
    api.override = () => ({ status: 502, raw: '<html>\n<h1>Bad gateway</h1>\n</html>' })
    const r = await run(apiEnv(), 'room', 'list')
    expect(r).toEqual({ code: 1, out: '', err: 'demes: HTTP 502 Bad Gateway: <html> <h1>Bad gateway</h1> </html>\n' })
  })

  test('a wrong token', async () => {
    const r = await run({ DEMES_API: api.url, DEMES_TOKEN: 'wrong' }, 'room', 'list')
    expect(r).toEqual({ code: 1, out: '', err: 'demes: the node rejected the API token: missing or wrong bearer token\n' })
  })

  test('no node listening', async () => {
    const url = api.url
    await api.stop()
    api = await new FakeApi().start() // for afterEach
    const r = await run({ DEMES_API: url, DEMES_TOKEN: TOKEN }, 'room', 'list')
    expect(r.code).toBe(1)
    expect(r.err).toBe(`demes: cannot reach the node at ${url}: connection refused (is \`demes start\` running?)\n`)
  })
})

describe('usage errors exit 2', () => {
  test('an unknown flag', async () => {
    const r = await run(apiEnv(), 'room', 'list', '--bogus')
    expect(r).toEqual({ code: 2, out: '', err: "demes: unknown option '--bogus'\n" })
    expect(api.requests).toHaveLength(0)
  })

  test('an unknown flag gets a suggestion on the same line', async () => {
    const r = await run(apiEnv(), 'room', 'list', '--jsn')
    expect(r).toEqual({ code: 2, out: '', err: "demes: unknown option '--jsn' (Did you mean --json?)\n" })
  })

  test('a flag of another command', async () => {
    const r = await run(apiEnv(), 'room', 'leave', 'r-1', '--json')
    expect(r.code).toBe(2)
    expect(r.err).toBe("demes: unknown option '--json'\n")
  })

  test('excess arguments', async () => {
    const r = await run(apiEnv(), 'room', 'list', 'extra')
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/^demes: too many arguments for 'list'. Expected 0 arguments but got 1.\n$/)
    expect((await run(apiEnv(), 'status', 'a', 'b')).code).toBe(2)
  })

  test('an unknown command, a missing command, a missing argument', async () => {
    const unknown = await run(apiEnv(), 'sned')
    expect(unknown.code).toBe(2)
    expect(unknown.err).toBe("demes: unknown command 'sned' (Did you mean send?)\n")
    const none = await run(apiEnv())
    expect(none.code).toBe(2)
    expect(none.err).toContain('Usage: demes')
    const noRoom = await run(apiEnv(), 'room')
    expect(noRoom.code).toBe(2)
    const missing = await run(apiEnv(), 'room', 'create')
    expect(missing).toEqual({ code: 2, out: '', err: "demes: missing required argument 'name'\n" })
  })

  test('--help exits 0 and prints usage on stdout', async () => {
    for (const argv of [['--help'], ['room', '--help'], ['room', 'invite', '--help'], ['chat', '-h'], ['start', '--help'], ['help', 'send']]) {
      const r = await run({}, ...argv)
      expect(r.code).toBe(0)
      expect(r.err).toBe('')
      expect(r.out).toMatch(/^Usage: demes/)
    }
    expect((await run({}, 'history', '--help')).out).toContain('--limit <n>')
  })

  test('--version', async () => {
    const r = await run({}, '--version')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('finding the API', () => {
  const nodeFile = async (d: string, contents: object): Promise<void> => {
    await writeFile(join(d, 'node.json'), JSON.stringify(contents))
  }

  test('missing node.json is a clear message', async () => {
    const r = await run({ DEMES_HOME: dir }, 'room', 'list')
    expect(r.code).toBe(1)
    expect(r.err).toBe(`demes: no running node found: ${join(dir, 'node.json')} does not exist (start one with \`demes start\`, or pass --api and --token)\n`)
  })

  test('node.json in DEMES_HOME', async () => {
    await nodeFile(dir, { peerId: 'p', name: 'n', api: api.url, token: TOKEN, addrs: [] })
    const r = await run({ DEMES_HOME: dir }, 'room', 'list')
    expect(r.code).toBe(0)
  })

  test('--data-dir beats DEMES_HOME', async () => {
    const other = await mkdtemp(join(tmpdir(), 'demes-cli-'))
    try {
      await nodeFile(other, { api: api.url, token: TOKEN })
      const r = await run({ DEMES_HOME: dir }, 'room', 'list', '--data-dir', other)
      expect(r.code).toBe(0)
    } finally {
      await rm(other, { recursive: true, force: true })
    }
  })

  test('flags beat the environment, which beats node.json', async () => {
    await nodeFile(dir, { api: 'http://127.0.0.1:1', token: 'from-file' })
    expect((await run({ DEMES_HOME: dir, DEMES_API: api.url, DEMES_TOKEN: TOKEN }, 'room', 'list')).code).toBe(0)
    expect((await run({ DEMES_HOME: dir, DEMES_API: 'http://127.0.0.1:1', DEMES_TOKEN: 'x' }, 'room', 'list', '--api', api.url, '--token', TOKEN)).code).toBe(0)
    // --api without a token takes the token from node.json
    await nodeFile(dir, { api: 'http://127.0.0.1:1', token: TOKEN })
    expect((await run({ DEMES_HOME: dir }, 'room', 'list', '--api', api.url.replace('http://', ''))).code).toBe(0)
    expect(api.requests.every(r => r.auth === `Bearer ${TOKEN}`)).toBe(true)
  })

  test('DEMES_API with port 0 (a bind request for `demes start`) is ignored', async () => {
    await nodeFile(dir, { api: api.url, token: TOKEN })
    expect((await run({ DEMES_HOME: dir, DEMES_API: '127.0.0.1:0' }, 'room', 'list')).code).toBe(0)
  })

  test('a broken node.json', async () => {
    await writeFile(join(dir, 'node.json'), '{not json')
    const r = await run({ DEMES_HOME: dir }, 'room', 'list')
    expect(r).toEqual({ code: 1, out: '', err: `demes: ${join(dir, 'node.json')} is not valid JSON\n` })
  })
})
