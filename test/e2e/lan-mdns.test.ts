import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Lan, type LanDaemon } from '../helpers/lan.js'
import { waitForValue } from '../helpers/wait.js'

// The "done when", on a simulated LAN (test/helpers/lan.ts): three `demes start` daemons,
// each in its own network namespace joined by a bridge, mDNS on, no bootstrap addresses, driven only
// by the CLI run inside each namespace (as a user would in three terminals). They find each other by
// mDNS, chat, lose their host to kill -9, and go on.
const NODES = ['a', 'b', 'c']
const lan = new Lan(NODES)

beforeAll(() => { lan.build() })
afterAll(async () => { await lan.destroy() })

describe('three nodes on a LAN (network namespaces), mDNS, no addresses typed', () => {
  test('they discover each other, chat through the CLI, survive kill -9 of the host, and keep the same history', async () => {
    const [a, b, c] = await Promise.all(NODES.map(async name => await lan.startDaemon(name, ['--profile', 'fast'])))
    // mDNS across the bridge: every node discovers the other two before any invite exists.
    // Each announces its LAN address only: its loopback one would make the others dial themselves.
    for (const [i, d] of [a, b, c].entries()) expect(d.addrs).toEqual([`/ip4/10.77.0.${i + 10}/tcp/4001/p2p/${d.peerId}`])
    await lan.discovered([a, b, c])

    const roomId = lan.createRoom(a, 'lan', [b, c])
    for (const d of [a, b, c]) expect(lan.cli(d, 'send', 'lan', `hello from ${d.name}`)).toMatchObject({ code: 0 })
    await waitForValue(() => [a, b, c].every(d => lan.history(d, roomId).length === 3))

    const status = JSON.parse(lan.cli(b, 'status', 'lan', '--json').stdout) as { host: string }
    const host = [a, b, c].find(d => d.peerId === status.host) as LanDaemon
    const survivors = [a, b, c].filter(d => d !== host)
    const exited = new Promise(resolve => host.proc.once('exit', resolve))
    host.proc.kill('SIGKILL')
    await exited
    for (const d of survivors) expect(lan.cli(d, 'send', 'lan', `${d.name} after the host died`)).toMatchObject({ code: 0 })
    await waitForValue(() => survivors.every(d => lan.history(d, roomId).length === 5), 30_000)
    const logs = survivors.map(d => lan.history(d, roomId).map(({ id, text }) => ({ id, text })))
    expect(logs[1]).toEqual(logs[0])
    expect(new Set(logs[0].map(m => m.id)).size).toBe(5)
    expect(logs[0].map(m => m.text).sort()).toEqual([...NODES.map(n => `hello from ${n}`), ...survivors.map(d => `${d.name} after the host died`)].sort())
    const newHost = (JSON.parse(lan.cli(survivors[0], 'status', 'lan', '--json').stdout) as { host: string }).host
    expect(survivors.map(d => d.peerId)).toContain(newHost)
  }, 180_000)
})
