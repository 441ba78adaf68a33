// `demes start` option resolution: flag > DEMES_* environment > default; bad values exit 2 with a
// one-line reason. No daemon is started: main() gets a stand-in runDaemon.
import type { DaemonOptions } from '../../src/node/api-types.js'
import { main } from '../../src/cli/demes.js'
import { resolveStartOptions, type SystemDefaults } from '../../src/cli/commands/start.js'
import { UsageError } from '../../src/cli/common.js'
import { captureIo } from './fake-api.js'

const SYS: SystemDefaults = { homedir: '/home/ada', hostname: 'ada-laptop', username: 'ada' }

describe('resolveStartOptions', () => {
  test('defaults', () => {
    expect(resolveStartOptions({}, {}, SYS)).toEqual({
      dataDir: '/home/ada/.demes',
      listen: ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001'],
      bootstrap: [],
      mdns: true,
      api: '127.0.0.1:7420',
      name: 'ada-laptop',
      profile: 'default',
      store: 'sqlite'
    })
  })

  test('the name falls back to the user name when there is no host name', () => {
    expect(resolveStartOptions({}, {}, { ...SYS, hostname: '' }).name).toBe('ada')
  })

  const ENV = {
    DEMES_HOME: '/srv/demes',
    DEMES_LISTEN: '/ip4/127.0.0.1/tcp/5000, /ip4/127.0.0.1/tcp/5001',
    DEMES_BOOTSTRAP: '/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
    DEMES_MDNS: '0',
    DEMES_API: '127.0.0.1:0',
    DEMES_NAME: 'env-name',
    DEMES_PROFILE: 'fast',
    DEMES_STORE: 'memory'
  }

  test('the environment beats the defaults', () => {
    expect(resolveStartOptions({}, ENV, SYS)).toEqual({
      dataDir: '/srv/demes',
      listen: ['/ip4/127.0.0.1/tcp/5000', '/ip4/127.0.0.1/tcp/5001'],
      bootstrap: ['/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'],
      mdns: false,
      api: '127.0.0.1:0',
      name: 'env-name',
      profile: 'fast',
      store: 'memory'
    })
  })

  test('flags beat the environment', () => {
    expect(resolveStartOptions({
      dataDir: '/tmp/d',
      listen: ['/ip4/0.0.0.0/tcp/6000'],
      bootstrap: ['/dns4/example.org/tcp/4001'],
      mdns: true,
      api: '[::1]:7000',
      name: 'flag-name',
      profile: 'default',
      store: 'sqlite'
    }, ENV, SYS)).toEqual({
      dataDir: '/tmp/d',
      listen: ['/ip4/0.0.0.0/tcp/6000'],
      bootstrap: ['/dns4/example.org/tcp/4001'],
      mdns: true,
      api: '[::1]:7000',
      name: 'flag-name',
      profile: 'default',
      store: 'sqlite'
    })
  })

  test('empty environment variables count as unset', () => {
    expect(resolveStartOptions({}, { DEMES_HOME: '', DEMES_NAME: ' ', DEMES_MDNS: '', DEMES_LISTEN: '' }, SYS)).toEqual(resolveStartOptions({}, {}, SYS))
  })

  test.each([
    [{ profile: 'turbo' }, {}, 'invalid profile "turbo" (expected default or fast)'],
    [{}, { DEMES_PROFILE: 'slow' }, 'invalid profile "slow" (expected default or fast)'],
    [{ store: 'disk' }, {}, 'invalid store "disk" (expected sqlite or memory)'],
    [{ api: 'localhost' }, {}, 'invalid API address "localhost" (expected HOST:PORT, e.g. 127.0.0.1:7420)'],
    [{ api: '127.0.0.1:70000' }, {}, 'invalid API address "127.0.0.1:70000" (expected HOST:PORT, e.g. 127.0.0.1:7420)'],
    [{}, { DEMES_API: 'https://127.0.0.1:7420' }, 'invalid API address "https://127.0.0.1:7420" (expected HOST:PORT, e.g. 127.0.0.1:7420)'],
    [{}, { DEMES_MDNS: 'maybe' }, 'invalid DEMES_MDNS="maybe" (expected 0 or 1)'],
    [{ api: '127.0.0.1:6000' }, {}, 'API port 6000 is one that fetch() and browsers refuse to connect to; choose another']
  ])('%j %j → %s', (flags, env, message) => {
    expect(() => resolveStartOptions(flags, env, SYS)).toThrow(new UsageError(message))
  })

  test('--compact-every / DEMES_COMPACT_EVERY: an integer from 0 (never); absent keeps the node\'s default', () => {
    expect(resolveStartOptions({ compactEvery: '50' }, { DEMES_COMPACT_EVERY: '7' }, SYS).compactEvery).toBe(50)
    expect(resolveStartOptions({}, { DEMES_COMPACT_EVERY: '0' }, SYS).compactEvery).toBe(0)
    expect(resolveStartOptions({}, {}, SYS)).not.toHaveProperty('compactEvery')
    for (const bad of ['-1', '1.5', 'ten', '1e3', '1000000001']) {
      expect(() => resolveStartOptions({ compactEvery: bad }, {}, SYS)).toThrow(new UsageError(`invalid compact-every ${JSON.stringify(bad)} (expected an integer from 0, never, to 1000000000)`))
    }
  })

  test('DEMES_API may be written as the client commands read it, http://HOST:PORT', () => {
    expect(resolveStartOptions({}, { DEMES_API: 'http://127.0.0.1:7421/' }, SYS).api).toBe('127.0.0.1:7421')
  })

  test('a malformed multiaddr', () => {
    expect(() => resolveStartOptions({ listen: ['tcp/4001'] }, {}, SYS)).toThrow(/^invalid listen address "tcp\/4001"/)
    expect(() => resolveStartOptions({}, { DEMES_BOOTSTRAP: '/ip4/1.2.3.4/tcp/x' }, SYS)).toThrow(/^invalid bootstrap address/)
  })
})

describe('demes start', () => {
  async function start (argv: string[], env: Record<string, string> = {}): Promise<{ code: number, err: string, options: DaemonOptions[] }> {
    const c = captureIo(env)
    const options: DaemonOptions[] = []
    const code = await main(['start', ...argv], c.io, { runDaemon: async (o) => { options.push(o) } })
    return { code, err: c.err(), options }
  }

  test('flags reach runDaemon: repeatable and comma-separated lists, --no-mdns', async () => {
    const r = await start(['--data-dir', '/tmp/x', '--listen', '/ip4/127.0.0.1/tcp/1', '--listen', '/ip4/127.0.0.1/tcp/2,/ip4/127.0.0.1/tcp/3',
      '--bootstrap', '/ip4/10.0.0.2/tcp/4001', '--no-mdns', '--api', '127.0.0.1:0', '--name', 'ada', '--profile', 'fast'])
    expect(r.code).toBe(0)
    expect(r.options).toEqual([{
      dataDir: '/tmp/x',
      listen: ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2', '/ip4/127.0.0.1/tcp/3'],
      bootstrap: ['/ip4/10.0.0.2/tcp/4001'],
      mdns: false,
      api: '127.0.0.1:0',
      name: 'ada',
      profile: 'fast',
      store: 'sqlite'
    }])
  })

  test('--compact-every reaches runDaemon as a number; a bad value exits 2', async () => {
    expect((await start(['--compact-every', '25'])).options[0].compactEvery).toBe(25)
    const bad = await start(['--compact-every', 'often'])
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('invalid compact-every "often"')
    expect(bad.options).toEqual([])
  })

  test('mDNS: on by default, off by DEMES_MDNS=0, back on by --mdns', async () => {
    expect((await start([])).options[0].mdns).toBe(true)
    expect((await start([], { DEMES_MDNS: '0' })).options[0].mdns).toBe(false)
    expect((await start(['--mdns'], { DEMES_MDNS: '0' })).options[0].mdns).toBe(true)
    expect((await start(['--no-mdns'], { DEMES_MDNS: '1' })).options[0].mdns).toBe(false)
  })

  test('bad values exit 2 with one line, without starting anything', async () => {
    expect(await start(['--profile', 'turbo'])).toEqual({ code: 2, err: 'demes: invalid profile "turbo" (expected default or fast)\n', options: [] })
    expect(await start(['--api', 'nope'])).toEqual({ code: 2, err: 'demes: invalid API address "nope" (expected HOST:PORT, e.g. 127.0.0.1:7420)\n', options: [] })
    expect((await start(['--listen'])).code).toBe(2)
    expect((await start(['--frobnicate'])).code).toBe(2)
    expect((await start(['extra'])).code).toBe(2)
  })

  test('the daemon failing to start is exit 1', async () => {
    const c = captureIo({})
    const code = await main(['start'], c.io, { runDaemon: async () => { throw new Error('listen EADDRINUSE: address already in use 127.0.0.1:7420') } })
    expect(code).toBe(1)
    expect(c.err()).toBe('demes: listen EADDRINUSE: address already in use 127.0.0.1:7420\n')
  })
})
