import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Lan, type LanDaemon } from '../helpers/lan.js'
import { waitForValue } from '../helpers/wait.js'

// A network partition between real processes (test/helpers/lan.ts): the host's port on the bridge is
// cut, so every packet to or from it is dropped silently while its sockets stay open, as when a
// cable is pulled between two switches. The simulator covers partitions in virtual time; this checks
// the same promises with real timers, TCP, yamux, and libp2p's reconnection once the cable is back.
const NODES = ['a', 'b', 'c']
const lan = new Lan(NODES)

beforeAll(() => { lan.build() })
afterAll(async () => { await lan.destroy() })

function send (d: LanDaemon, room: string, text: string): string {
  const r = lan.cli(d, 'send', room, text, '--json')
  expect(r).toMatchObject({ code: 0 })
  return (JSON.parse(r.stdout) as { id: string }).id
}

describe('three nodes on a LAN (network namespaces), the host cut off and reconnected', () => {
  test('the majority elects a new host and chats on; the cut-off host steps down and its messages wait; after healing every history holds every message once, in one order, delivered', async () => {
    const [a, b, c] = await Promise.all(NODES.map(async name => await lan.startDaemon(name, ['--profile', 'fast'])))
    await lan.discovered([a, b, c])
    const roomId = lan.createRoom(a, 'cut', [b, c])
    const sent = new Map<string, string>() // id -> text, every message acknowledged by a node
    for (const d of [a, b, c]) { const text = `hello from ${d.name}`; sent.set(send(d, 'cut', text), text) }
    await waitForValue(() => [a, b, c].every(d => lan.history(d, roomId).length === 3), 30_000)

    const before = lan.status(b, roomId)
    const host = [a, b, c].find(d => d.peerId === before.host) as LanDaemon
    const majority = [a, b, c].filter(d => d !== host)
    lan.setConnected(host.name, false)

    // The majority: a new host of a later term, and messages commit without the old one.
    const newHost = await waitForValue(() => {
      const s = lan.status(majority[0], roomId)
      return s.host != null && s.host !== host.peerId && s.term > before.term ? s.host : undefined
    }, 30_000)
    expect(majority.map(d => d.peerId)).toContain(newHost)
    for (const d of majority) { const text = `${d.name} while the host is cut off`; sent.set(send(d, 'cut', text), text) }
    await waitForValue(() => majority.every(d => lan.history(d, roomId).length === 5), 30_000)

    // The cut-off host: no majority, so it steps down (CheckQuorum) and commits nothing more; what
    // its user sends is acknowledged into the outbox and waits there.
    await waitForValue(() => lan.status(host, roomId).host !== host.peerId, 30_000)
    const waiting = `${host.name} while cut off`
    const waitingId = send(host, 'cut', waiting)
    sent.set(waitingId, waiting)
    expect(lan.history(host, roomId)).toHaveLength(3)
    for (const d of majority) expect(lan.history(d, roomId).map(m => m.id)).not.toContain(waitingId)

    lan.setConnected(host.name, true)
    const logs = await waitForValue(() => {
      const all = [a, b, c].map(d => lan.history(d, roomId).map(({ id, text }) => ({ id, text })))
      return all.every(log => log.length === sent.size && JSON.stringify(log) === JSON.stringify(all[0])) ? all : undefined
    }, 60_000)
    const ids = logs[0].map(m => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const [id, text] of sent) expect(logs[0].find(m => m.id === id)?.text).toBe(text)
    // Every member holds every message again, so every member ends up showing each as delivered.
    await waitForValue(() => [a, b, c].every(d => lan.history(d, roomId).every(m => m.status === 'delivered')), 30_000)
    // The old host rejoined as a follower of the new one.
    const after = lan.status(host, roomId)
    expect(after.host).toBe(newHost)
    expect(after.term).toBeGreaterThan(before.term)
  }, 240_000)
})
