import { setTimeout as sleep } from 'node:timers/promises'
import { format } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { lpStream } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { RoomFrame } from '../../proto/net.js'
import { EntryType, RaftMessage } from '../../proto/raft.js'
import { createDemesLibp2p } from '../../src/net/node.js'
import { DEMES_RAFT_PROTOCOL, LOG_NAMESPACE } from '../../src/net/service.js'
import { plainMemoryPeer } from '../helpers/plain-peer.js'
import type { DemesLibp2p } from '../../src/net/node.js'
import type { DemesServiceInit } from '../../src/net/service.js'
import type { ComponentLogger, Libp2p, Logger, PrivateKey, Stream } from '@libp2p/interface'

interface Received { roomId: string, message: RaftMessage, from: string }

const nodes: Libp2p[] = []

afterEach(async () => {
  // One after another: stopping connected nodes in parallel is much slower in libp2p 3.
  for (const node of nodes.splice(0).reverse()) await node.stop()
})

async function demesNode (opts: { listen?: string, privateKey?: PrivateKey, demes?: DemesServiceInit, logger?: ComponentLogger } = {}): Promise<DemesLibp2p> {
  const node = await createDemesLibp2p({
    transport: 'memory',
    listen: [opts.listen ?? `/memory/${crypto.randomUUID()}`],
    ...(opts.privateKey != null ? { privateKey: opts.privateKey } : {}),
    ...(opts.logger != null ? { logger: opts.logger } : {}),
    demes: { reconnectMaxMs: 500, ...opts.demes }
  })
  nodes.push(node)
  return node
}

/** A plain libp2p node without the DeMeS service, for peers that misbehave on the protocol. */
async function plainPeer (): Promise<Libp2p> {
  const node = await plainMemoryPeer()
  nodes.push(node)
  return node
}

/** Tells `from` where `to` listens, so the service can dial it by peer id alone. */
async function introduce (from: Libp2p, to: Libp2p): Promise<void> {
  await from.peerStore.merge(to.peerId, { multiaddrs: to.getMultiaddrs() })
}

function collect (node: DemesLibp2p): Received[] {
  const received: Received[] = []
  node.services.demes.onMessage((roomId, message, from) => { received.push({ roomId, message, from }) })
  return received
}

/**
 * `a` (with `demes` options) and a peer `b` it knows, listening at a fixed address with a fixed key:
 * stop() takes b down, restart() brings up a new node with b's identity and address.
 */
async function peerThatRestarts (demes: DemesServiceInit): Promise<{ a: DemesLibp2p, b: DemesLibp2p, to: string, stop: () => Promise<void>, restart: () => Promise<DemesLibp2p> }> {
  const key = await generateKeyPair('Ed25519')
  const address = `/memory/${crypto.randomUUID()}`
  const a = await demesNode({ demes })
  const b = await demesNode({ listen: address, privateKey: key })
  await introduce(a, b)
  return {
    a,
    b,
    to: b.peerId.toString(),
    stop: async () => {
      nodes.splice(nodes.indexOf(b), 1)
      await b.stop()
    },
    restart: async () => await demesNode({ listen: address, privateKey: key })
  }
}

async function waitFor (condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

/** What a message looks like after a trip through the codec (defaults filled in). */
function normalized (message: RaftMessage): RaftMessage {
  return RaftMessage.decode(RaftMessage.encode(message))
}

function heartbeat (from: Libp2p, to: Libp2p, n: number): RaftMessage {
  return { term: n, from: from.peerId.toString(), to: to.peerId.toString(), heartbeat: { commitIndex: n, deliveredIndex: n, succession: [from.peerId.toString()], probe: n, hostCommitIndex: n } }
}

function append (from: Libp2p, to: Libp2p, n: number, payloadBytes: number): RaftMessage {
  const payload = new Uint8Array(payloadBytes).fill(n % 251)
  return {
    term: 1,
    from: from.peerId.toString(),
    to: to.peerId.toString(),
    appendEntries: {
      prevLogIndex: n,
      prevLogTerm: 1,
      commitIndex: n,
      deliveredIndex: n,
      entries: [{
        index: n + 1,
        term: 1,
        type: EntryType.ENTRY_SUBMISSION,
        submission: { sender: from.peerId.toString(), seq: n + 1, payload, sentAt: 0, signature: new Uint8Array(0) },
        prevHash: new Uint8Array(0),
        hostSignature: new Uint8Array(0)
      }]
    }
  }
}

/** A ComponentLogger that records the 'demes:net' lines and sends the rest to the default logger. */
function capturingLogger (lines: string[]): ComponentLogger {
  const base = defaultLogger()
  const capture = (): Logger => {
    const record = (formatter: unknown, ...args: unknown[]): void => { lines.push(format(String(formatter).replaceAll('%p', '%s').replaceAll('%e', '%s'), ...args)) }
    return Object.assign(record, { error: record, trace: () => {}, enabled: true, newScope: () => capture() })
  }
  return { forComponent: (name) => name === LOG_NAMESPACE ? capture() : base.forComponent(name) }
}

// Frames queued while no stream is open expire after maxFrameAgeMs (1 s by default). A loaded machine's
// first dial, or a test's rounds against an unreachable peer, can take that long (load 8: 2 of 2 runs
// of the three-node test failed so; CI once saw the dead-peer test's queue expire): tests that count
// frames exactly turn expiry off; the expiry tests set their own ages.
const noExpiry = { maxFrameAgeMs: 60_000 }

describe('DeMeS service over the memory transport', () => {
  test('three nodes exchange RaftMessages per room, each receiving exactly what was sent, in order', async () => {
    const peers = [await demesNode({ demes: noExpiry }), await demesNode({ demes: noExpiry }), await demesNode({ demes: noExpiry })]
    for (const a of peers) for (const b of peers) if (a !== b) await introduce(a, b)
    const inboxes = peers.map(collect)
    const perPair = 200
    const sent = new Map<string, Array<{ roomId: string, message: RaftMessage }>>() // key: from->to

    for (let n = 0; n < perPair; n++) {
      for (const from of peers) {
        for (const to of peers) {
          if (from === to) continue
          const roomId = n % 3 === 0 ? 'room-b' : 'room-a'
          const message = n % 2 === 0 ? heartbeat(from, to, n) : append(from, to, n, 64)
          from.services.demes.send(to.peerId.toString(), roomId, message)
          const key = `${from.peerId.toString()}->${to.peerId.toString()}`
          sent.set(key, [...(sent.get(key) ?? []), { roomId, message: normalized(message) }])
        }
      }
      if (n % 50 === 0) await sleep(1) // interleave sending with delivery
    }

    await waitFor(() => inboxes.every(inbox => inbox.length === 2 * perPair), 'all frames')
    peers.forEach((to, i) => {
      for (const from of peers) {
        if (from === to) continue
        const got = (inboxes[i] as Received[]).filter(r => r.from === from.peerId.toString()).map(r => ({ roomId: r.roomId, message: r.message }))
        expect(got).toEqual(sent.get(`${from.peerId.toString()}->${to.peerId.toString()}`))
      }
    })
    for (const node of peers) {
      const stats = node.services.demes.stats()
      expect(stats).toMatchObject({ sent: 2 * perPair, received: 2 * perPair, dropped: 0, rejected: {}, queued: 0, opened: 2 })
    }
  })

  test('a paced burst of 5000 ~1 KB frames arrives complete and in order on one stream', async () => {
    const a = await demesNode({ demes: noExpiry })
    const b = await demesNode()
    await introduce(a, b)
    const inbox = collect(b)
    const total = 5000
    const to = b.peerId.toString()
    for (let n = 0; n < total; n++) {
      a.services.demes.send(to, 'burst', append(a, b, n, 1000))
      // send() never blocks; a bulk sender paces itself on the queue length instead of overflowing it.
      if (a.services.demes.queueLength(to) >= 512) await waitFor(() => a.services.demes.queueLength(to) < 128, 'queue to drain')
    }
    await waitFor(() => inbox.length === total, 'the burst')
    expect(inbox.map(r => r.message.appendEntries?.prevLogIndex)).toEqual(Array.from({ length: total }, (_, n) => n))
    expect(inbox.every(r => r.message.appendEntries?.entries[0]?.submission?.payload.byteLength === 1000)).toBe(true)
    // One stream for the whole burst: a reset would have forced a reopen and lost frames.
    expect(a.services.demes.stats()).toMatchObject({ sent: total, dropped: 0, queued: 0, opened: 1 })
    expect(b.services.demes.stats()).toMatchObject({ received: total, rejected: {} })
  })

  test('an unpaced burst fills the per-peer queue and drops the newest frames, not the connection', async () => {
    const a = await demesNode({ demes: noExpiry })
    const b = await demesNode()
    await introduce(a, b)
    const inbox = collect(b)
    const to = b.peerId.toString()
    for (let n = 0; n < 5000; n++) a.services.demes.send(to, 'burst', append(a, b, n, 1000))
    // The whole loop ran in one tick, so nothing was written yet: exactly the bound is queued.
    expect(a.services.demes.stats()).toMatchObject({ queued: 1024, dropped: 5000 - 1024, sent: 0 })
    await waitFor(() => inbox.length === 1024, 'the queued frames')
    await sleep(50)
    expect(inbox).toHaveLength(1024)
    expect(inbox.map(r => r.message.appendEntries?.prevLogIndex)).toEqual(Array.from({ length: 1024 }, (_, n) => n))
    expect(a.services.demes.stats()).toMatchObject({ queued: 0, sent: 1024, dropped: 5000 - 1024, opened: 1 })
  })

  test('frames for a dead peer stay within the frame and byte bounds while reconnects fail', async () => {
    const a = await demesNode({ demes: noExpiry })
    const small = await demesNode({ demes: { ...noExpiry, maxQueueBytes: 64 * 1024 } })
    const dead = await demesNode()
    await introduce(a, dead)
    await introduce(small, dead)
    await a.dial(dead.getMultiaddrs())
    nodes.splice(nodes.indexOf(dead), 1)
    await dead.stop()
    const to = dead.peerId.toString()

    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 2000; n++) {
        a.services.demes.send(to, 'r', append(a, dead, n, 1000))
        small.services.demes.send(to, 'r', append(small, dead, n, 1000))
      }
      await sleep(200) // let dials fail and back off
      const full = a.services.demes.stats()
      expect(full.queued).toBe(1024)
      expect(full.sent).toBe(0)
      expect(full.dropped).toBe((round + 1) * 2000 - 1024)
      const bytesBound = small.services.demes.stats()
      const frameBytes = RoomFrame.encode({ roomId: 'r', raft: RaftMessage.encode(append(small, dead, 1999, 1000)) }).byteLength
      expect(bytesBound.queued).toBe(Math.floor(64 * 1024 / frameBytes))
      expect(bytesBound.dropped).toBe((round + 1) * 2000 - bytesBound.queued)
    }
  })

  test('a hostile peer\'s bad frames are rejected with their reason while honest peers are served', async () => {
    const logLines: string[] = []
    const target = await demesNode({ logger: capturingLogger(logLines) })
    const honest = await demesNode()
    await introduce(honest, target)
    await introduce(target, honest)
    const inbox = collect(target)
    const honestInbox = collect(honest)

    // A plain libp2p node that speaks the protocol id with hand-written frames.
    const hostile = await plainPeer()
    const me = hostile.peerId.toString()
    const targetId = target.peerId.toString()
    const raft = (from: string, to: string): Uint8Array<ArrayBuffer> => RaftMessage.encode({ term: 1, from, to, heartbeat: { commitIndex: 0, deliveredIndex: 0, succession: [], probe: 7, hostCommitIndex: 0 } })

    const s1 = await hostile.dialProtocol(target.getMultiaddrs(), DEMES_RAFT_PROTOCOL)
    const lp = lpStream(s1)
    await lp.write(Uint8Array.of(0x1f, 0xde, 0xad)) // field 3 with wire type 7: not protobuf
    await lp.write(RoomFrame.encode({ roomId: '', raft: raft(me, targetId) }))
    await lp.write(RoomFrame.encode({ roomId: 'x'.repeat(257), raft: raft(me, targetId) }))
    await lp.write(RoomFrame.encode({ roomId: 'room', raft: Uint8Array.of(0x27, 0x00) })) // field 4 with wire type 7
    await lp.write(RoomFrame.encode({ roomId: 'room', raft: raft(honest.peerId.toString(), targetId) }))
    await lp.write(RoomFrame.encode({ roomId: 'room', raft: raft(me, honest.peerId.toString()) }))
    await lp.write(RoomFrame.encode({ roomId: 'room', raft: raft(me, targetId) })) // well-formed: accepted
    await waitFor(() => inbox.length === 1, 'the hostile peer\'s valid frame')
    expect(inbox[0]).toMatchObject({ roomId: 'room', from: me })
    expect(target.services.demes.stats().rejected).toEqual({ 'malformed-frame': 1, 'bad-room-id': 2, 'malformed-raft': 1, 'spoofed-from': 1, 'wrong-to': 1 })
    expect(s1.status).toBe('open') // rejected frames are dropped, the stream carries on

    // Framing errors reset only the stream they arrive on.
    const resetBy = async (bytes: Uint8Array): Promise<Stream> => {
      const stream = await hostile.dialProtocol(target.getMultiaddrs(), DEMES_RAFT_PROTOCOL)
      stream.send(bytes)
      await waitFor(() => stream.status === 'reset', 'the stream reset')
      return stream
    }
    await resetBy(Uint8Array.from([...varint.encode(4 * 1024 * 1024 + 1), ...new Uint8Array(64)])) // over 4 MiB
    await resetBy(new Uint8Array(16).fill(0xff)) // a varint that never ends
    await resetBy(Uint8Array.of(0x80, 0x80, 0x00, 0x01)) // non-canonical varint
    expect(target.services.demes.stats().rejected).toEqual({ 'malformed-frame': 1, 'bad-room-id': 2, 'malformed-raft': 1, 'spoofed-from': 1, 'wrong-to': 1, 'oversize-frame': 1, 'bad-length-prefix': 2 })
    for (const reason of ['malformed-frame', 'bad-room-id', 'malformed-raft', 'spoofed-from', 'wrong-to', 'oversize-frame', 'bad-length-prefix']) {
      expect(logLines.some(line => line.includes(me) && line.includes(reason))).toBe(true)
    }

    // The first hostile stream and the honest peers are unaffected.
    await lp.write(RoomFrame.encode({ roomId: 'room', raft: raft(me, targetId) }))
    for (let n = 0; n < 20; n++) {
      honest.services.demes.send(targetId, 'room', heartbeat(honest, target, n))
      target.services.demes.send(honest.peerId.toString(), 'room', heartbeat(target, honest, n))
    }
    await waitFor(() => inbox.length === 22 && honestInbox.length === 20, 'honest traffic')
    expect(inbox.filter(r => r.from === honest.peerId.toString()).map(r => r.message.term)).toEqual(Array.from({ length: 20 }, (_, n) => n))
    expect(honestInbox.map(r => r.message.term)).toEqual(Array.from({ length: 20 }, (_, n) => n))
  })

  test('a write the peer does not take within writeTimeoutMs aborts its stream, and the link reopens', async () => {
    const logLines: string[] = []
    const a = await demesNode({ logger: capturingLogger(logLines), demes: { writeTimeoutMs: 300 } })
    // Accepts the protocol and never reads: yamux's window fills, then the writer's buffer.
    const stalled = await plainPeer()
    const held: Stream[] = []
    await stalled.handle(DEMES_RAFT_PROTOCOL, (stream) => {
      stream.maxReadBufferLength = Infinity
      stream.pause()
      held.push(stream)
    })
    await introduce(a, stalled)
    const to = stalled.peerId.toString()
    for (let n = 0; n < 100; n++) a.services.demes.send(to, 'r', append(a, stalled, n, 60_000))
    await waitFor(() => logLines.some(line => line.startsWith(`write to ${to} failed, reopening - WriteTimeoutError: the peer took no data for 300 ms`)), 'the write timeout')
    await waitFor(() => held[0]?.status === 'reset', 'the stalled stream to be reset')
    expect(a.services.demes.stats().dropped).toBeGreaterThan(0)
    // The frames still queued go out on a new stream.
    await waitFor(() => held.length >= 2, 'a new stream')
  })

  test('a peer that restarts with the same identity is reconnected to and frames flow again', async () => {
    // Frames queued during the outage are still young enough to be sent (expiry: a test below).
    const { a, b, to, stop, restart } = await peerThatRestarts({ maxFrameAgeMs: 60_000 })
    const before = collect(b)
    for (let n = 0; n < 10; n++) a.services.demes.send(to, 'room', heartbeat(a, b, n))
    await waitFor(() => before.length === 10, 'frames before the restart')

    await stop()
    // Frames sent while b is down fail to dial and back off.
    for (let n = 10; n < 20; n++) a.services.demes.send(to, 'room', heartbeat(a, b, n))
    await sleep(300)
    expect(a.services.demes.stats().sent).toBe(10)

    const b2 = await restart()
    expect(b2.peerId.toString()).toBe(to)
    const after = collect(b2)
    // The queued frames go out once a reconnect succeeds (backoff capped at 500 ms in these tests).
    await waitFor(() => after.length === 10, 'queued frames after the restart', 5000)
    expect(after.map(r => r.message.term)).toEqual(Array.from({ length: 10 }, (_, n) => n + 10))
    for (let n = 20; n < 30; n++) a.services.demes.send(to, 'room', heartbeat(a, b2, n))
    await waitFor(() => after.length === 20, 'new frames after the restart')
    expect(after.map(r => r.message.term)).toEqual(Array.from({ length: 20 }, (_, n) => n + 10))
    expect(a.services.demes.stats()).toMatchObject({ sent: 30, dropped: 0, opened: 2 })
  })

  test('a link backing off to a dead peer retries as soon as that peer connects again, not when its backoff ends', async () => {
    // Backoffs of 20 s and more: only the reconnect can explain a prompt delivery.
    const { a, b, to, stop, restart } = await peerThatRestarts({ reconnectInitialMs: 20_000, reconnectMaxMs: 60_000, maxFrameAgeMs: 60_000 })
    await stop()
    for (let n = 0; n < 5; n++) a.services.demes.send(to, 'room', heartbeat(a, b, n))
    await sleep(300) // the dial failed; the link now waits 20 s
    expect(a.services.demes.stats().sent).toBe(0)

    const b2 = await restart()
    const after = collect(b2)
    const reconnectedAt = Date.now()
    await b2.dial(a.getMultiaddrs())
    await waitFor(() => after.length === 5, 'the queued frames once the peer is back', 10_000)
    expect(Date.now() - reconnectedAt).toBeLessThan(10_000)
    expect(after.map(r => r.message.term)).toEqual([0, 1, 2, 3, 4])
  })

  test('frames that waited longer than maxFrameAgeMs for an unreachable peer are dropped when it is back; younger ones are sent in order', async () => {
    const { a, b, to, stop, restart } = await peerThatRestarts({ maxFrameAgeMs: 400, reconnectInitialMs: 20_000, reconnectMaxMs: 60_000 })
    await stop()
    for (let n = 0; n < 5; n++) a.services.demes.send(to, 'room', heartbeat(a, b, n))
    await sleep(700) // these five are now older than 400 ms; the link waits out a 20 s backoff
    for (let n = 5; n < 8; n++) a.services.demes.send(to, 'room', heartbeat(a, b, n))
    expect(a.services.demes.stats()).toMatchObject({ sent: 0, queued: 8, expired: 0 })

    const b2 = await restart()
    const after = collect(b2)
    await b2.dial(a.getMultiaddrs())
    await waitFor(() => after.length === 3, 'the frames queued within maxFrameAgeMs', 10_000)
    expect(after.map(r => r.message.term)).toEqual([5, 6, 7])
    expect(a.services.demes.stats()).toMatchObject({ sent: 3, dropped: 5, expired: 5, queued: 0 })
    // Frames on the open stream go out as usual.
    a.services.demes.send(to, 'room', heartbeat(a, b2, 8))
    await waitFor(() => after.length === 4, 'a frame after the reconnect')
    expect(after.at(-1)?.message.term).toBe(8)
  })

  test('while a peer stays unreachable, frames older than maxFrameAgeMs are dropped at each failed attempt, not held until it is back', async () => {
    const { a, b, to, stop, restart } = await peerThatRestarts({ maxFrameAgeMs: 300, reconnectInitialMs: 100, reconnectMaxMs: 100 })
    await stop()
    for (let n = 0; n < 5; n++) a.services.demes.send(to, 'room', heartbeat(a, b, n))
    expect(a.services.demes.stats()).toMatchObject({ queued: 5, expired: 0 })
    await waitFor(() => a.services.demes.stats().expired === 5, 'the frames to expire while the peer is away', 5_000)
    expect(a.services.demes.stats()).toMatchObject({ sent: 0, queued: 0, dropped: 5 })
    // A frame queued since still reaches the peer once it is back.
    a.services.demes.send(to, 'room', heartbeat(a, b, 5))
    const b2 = await restart()
    const after = collect(b2)
    await b2.dial(a.getMultiaddrs())
    await waitFor(() => after.length === 1, 'the fresh frame once the peer is back', 10_000)
    expect(after[0]?.message.term).toBe(5)
  })

  test('rtt() and startRttProbe measure round trips in microseconds through the ping protocol', async () => {
    const a = await demesNode()
    const b = await demesNode()
    await introduce(a, b)
    const micros = await a.services.demes.rtt(b.peerId.toString())
    expect(micros).toBeGreaterThan(0)
    expect(micros).toBeLessThan(1_000_000)

    const seen: Array<[string, number]> = []
    const probe = a.services.demes.startRttProbe(() => [b.peerId.toString()], 50, (peer, us) => { seen.push([peer, us]) })
    await waitFor(() => seen.length >= 3, 'three probes')
    probe.stop()
    expect(seen.every(([peer, us]) => peer === b.peerId.toString() && us > 0)).toBe(true)
  })

  test('send() rejects caller bugs instead of putting them on the wire', async () => {
    const a = await demesNode({ demes: { maxFrameBytes: 4096 } })
    const b = await demesNode()
    const to = b.peerId.toString()
    expect(() => { a.services.demes.send(to, '', heartbeat(a, b, 1)) }).toThrow(/roomId/)
    expect(() => { a.services.demes.send(to, 'r', heartbeat(b, a, 1)) }).toThrow(/message.to/)
    expect(() => { a.services.demes.send(to, 'r', { ...heartbeat(a, b, 1), from: to }) }).toThrow(/message.from/)
    expect(() => { a.services.demes.send(a.peerId.toString(), 'r', heartbeat(a, a, 1)) }).toThrow(/self/)
    expect(() => { a.services.demes.send(to, 'r', append(a, b, 1, 8192)) }).toThrow(/maxFrameBytes/)
    expect(a.services.demes.stats()).toMatchObject({ sent: 0, dropped: 0, queued: 0 })
  })
})
