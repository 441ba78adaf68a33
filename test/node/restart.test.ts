import { afterEach, describe, expect, test } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { createDemesLibp2p, type DemesLibp2p } from '../../src/net/node.js'
import { DemesNode } from '../../src/node/node.js'
import { MemoryStorage } from '../../src/store/storage.js'
import { waitFor } from '../helpers/wait.js'

// A node restarted in the same process with the same storage object resumes its rooms, as a daemon
// restarted on the same data directory does (test/e2e/restart.test.ts covers the real thing).

interface Member { name: string, privateKey: Ed25519PrivateKey, storage: MemoryStorage, node: DemesNode, libp2p: DemesLibp2p, listen: string }

const running: Member[] = []

async function boot (name: string, privateKey: Ed25519PrivateKey, storage: MemoryStorage, listen = `/memory/${crypto.randomUUID()}`): Promise<Member> {
  const libp2p = await createDemesLibp2p({ transport: 'memory', mdns: false, privateKey, listen: [listen] })
  const node = new DemesNode({ libp2p, privateKey, name, profile: 'fast', logger: defaultLogger().forComponent(`demes:test:${name}`), storage })
  await node.start()
  const member = { name, privateKey, storage, node, libp2p, listen }
  running.push(member)
  return member
}

async function startMember (name: string): Promise<Member> {
  return boot(name, await generateKeyPair('Ed25519'), new MemoryStorage())
}

/** Like kill -9 for the network: the connections drop at once, nothing is handed over or flushed. */
async function crash (m: Member): Promise<void> {
  running.splice(running.indexOf(m), 1)
  await m.libp2p.stop()
  await m.node.stop()
}

/** The same identity and storage; a new address unless `sameAddress` (a daemon restarted with the same --listen). */
async function restart (m: Member, sameAddress = false): Promise<Member> {
  return boot(m.name, m.privateKey, m.storage, sameAddress ? m.listen : undefined)
}

const log = (m: Member, roomId: string): string[] => m.node.messages(roomId, { limit: 1000 }).map(x => `${x.index} ${x.id} ${x.text}`)

afterEach(async () => {
  for (const m of running.splice(0)) {
    await m.node.stop().catch(() => {})
    await Promise.resolve(m.libp2p.stop()).catch(() => {})
  }
})

async function roomOfThree (): Promise<{ roomId: string, alice: Member, bob: Member, carol: Member }> {
  const [alice, bob, carol] = await Promise.all([startMember('alice'), startMember('bob'), startMember('carol')])
  const { roomId } = await alice.node.createRoom('team')
  await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
  for (const joiner of [bob, carol]) await joiner.node.join(await alice.node.createInvite(roomId))
  return { roomId, alice, bob, carol }
}

describe('restarting a node with the same storage (memory transport)', () => {
  test('a crashed member comes back with its rooms, history and outbox, catches up, and its unsent messages arrive once', async () => {
    const { roomId, alice, bob, carol } = await roomOfThree()
    for (let i = 0; i < 5; i++) await bob.node.send(roomId, `bob before ${i}`)
    await waitFor(() => [alice, bob, carol].every(m => m.node.messages(roomId).length === 5))
    const before = log(bob, roomId)

    // Cut off, bob writes into its durable outbox; then it crashes.
    await bob.libp2p.stop()
    for (let i = 0; i < 3; i++) await bob.node.send(roomId, `bob offline ${i}`)
    expect(bob.node.outbox(roomId)).toHaveLength(3)
    await crash(bob)
    for (let i = 0; i < 4; i++) await alice.node.send(roomId, `alice meanwhile ${i}`)
    await waitFor(() => carol.node.messages(roomId).length === 9)

    const bob2 = await restart(bob)
    // Before it reaches anyone: the room, its history and its outbox are back from storage.
    expect(bob2.node.listRooms()).toEqual([{ roomId, name: 'team' }])
    expect(log(bob2, roomId).slice(0, 5)).toEqual(before)
    expect(bob2.node.outbox(roomId).map(o => o.text)).toEqual(['bob offline 0', 'bob offline 1', 'bob offline 2'])

    // It finds the others again (addresses from storage), catches up and delivers its outbox exactly once.
    await waitFor(() => [alice, bob2, carol].every(m => m.node.messages(roomId, { limit: 1000 }).length === 12))
    await waitFor(() => bob2.node.outbox(roomId).length === 0)
    expect(log(bob2, roomId)).toEqual(log(alice, roomId))
    expect(log(carol, roomId)).toEqual(log(alice, roomId))
    const texts = alice.node.messages(roomId, { limit: 1000 }).map(m => m.text)
    for (let i = 0; i < 3; i++) expect(texts.filter(t => t === `bob offline ${i}`)).toHaveLength(1)
    expect(bob2.node.room(roomId).members.filter(m => m.role === 'voter')).toHaveLength(3)

    // Chat goes on with the restarted member writing too.
    await bob2.node.send(roomId, 'bob is back')
    await waitFor(() => alice.node.messages(roomId, { limit: 1000 }).some(m => m.text === 'bob is back'))
  })

  test('the whole room restarted: full history, a host elected, chat goes on', async () => {
    const { roomId, alice, bob, carol } = await roomOfThree()
    for (const m of [alice, bob, carol]) for (let i = 0; i < 4; i++) await m.node.send(roomId, `${m.name} ${i}`)
    await waitFor(() => [alice, bob, carol].every(m => m.node.messages(roomId).length === 12))
    const history = log(alice, roomId)
    const terms = Math.max(...[alice, bob, carol].map(m => m.node.room(roomId).term))
    for (const m of [carol, alice, bob]) await crash(m)

    // Back in another order, on the same addresses (as daemons restarted with the same --listen).
    const bob2 = await restart(bob, true)
    const carol2 = await restart(carol, true)
    await waitFor(() => bob2.node.room(roomId).host != null)
    expect(bob2.node.room(roomId).term).toBeGreaterThan(terms)
    const alice2 = await restart(alice, true)
    const all = [alice2, bob2, carol2]
    for (const m of all) expect(log(m, roomId)).toEqual(history)
    await alice2.node.send(roomId, 'after the restart')
    await waitFor(() => all.every(m => m.node.messages(roomId, { limit: 1000 }).length === 13))
    for (const m of all) expect(log(m, roomId)).toEqual(log(bob2, roomId))
  })

  test('leaving a room deletes it from storage; a restarted node does not come back to it', async () => {
    const { roomId, carol } = await roomOfThree()
    expect(carol.storage.rooms()).toEqual([{ roomId, name: 'team' }])
    await carol.node.leave(roomId)
    await waitFor(() => carol.storage.rooms().length === 0)
    await crash(carol)
    const carol2 = await restart(carol)
    expect(carol2.node.listRooms()).toEqual([])
  })

  test('a join that never got the room\'s log is forgotten on restart', async () => {
    const alice = await startMember('alice')
    const dave = await startMember('dave')
    dave.storage.createRoom('half-joined', 'never got its log')
    await crash(dave)
    const dave2 = await restart(dave)
    expect(dave2.node.listRooms()).toEqual([])
    expect(dave2.storage.rooms()).toEqual([])
    expect(alice.node.listRooms()).toEqual([])
  })
})
