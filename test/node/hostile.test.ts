import { afterEach, describe, expect, test } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { EntryType, type RaftMessage, type Submission } from '../../proto/raft.js'
import { encodeChatBody } from '../../src/chat/projection.js'
import { signSubmission } from '../../src/crypto/submission.js'
import { createDemesLibp2p, type DemesLibp2p } from '../../src/net/node.js'
import { DemesNode } from '../../src/node/node.js'
import { recordingLogger } from '../helpers/logger.js'
import { waitFor } from '../helpers/wait.js'

interface Member { node: DemesNode, libp2p: DemesLibp2p }
const started: DemesLibp2p[] = []
const nodes: DemesNode[] = []

/** `logs`: where the node's log lines are recorded, if the test reads them. */
async function startMember (name: string, logs?: string[]): Promise<Member> {
  const privateKey = await generateKeyPair('Ed25519')
  const libp2p = await createDemesLibp2p({ transport: 'memory', mdns: false, privateKey })
  const node = new DemesNode({ libp2p, privateKey, name, profile: 'fast', logger: logs != null ? recordingLogger(name, logs) : defaultLogger().forComponent(`demes:test:${name}`) })
  await node.start()
  started.push(libp2p)
  nodes.push(node)
  return { node, libp2p }
}

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop().catch(() => {})
  for (const libp2p of started.splice(0)) await Promise.resolve(libp2p.stop()).catch(() => {})
})

const EMPTY = new Uint8Array(0)

/** A room alice hosts, which eve joins legitimately (invited), to misbehave afterwards with hand-made frames sent through her libp2p node. */
async function roomWithEve (alice: Member): Promise<{ roomId: string, eve: DemesNode, eveKey: Ed25519PrivateKey, eveLibp2p: DemesLibp2p, eveId: string, aliceId: string }> {
  const { roomId } = await alice.node.createRoom('guarded')
  await waitFor(() => alice.node.room(roomId).host != null)
  const eveKey = await generateKeyPair('Ed25519')
  const eveLibp2p = await createDemesLibp2p({ transport: 'memory', mdns: false, privateKey: eveKey })
  const eve = new DemesNode({ libp2p: eveLibp2p, privateKey: eveKey, name: 'eve', profile: 'fast', logger: defaultLogger().forComponent('demes:test:eve') })
  await eve.start()
  started.push(eveLibp2p)
  nodes.push(eve)
  await eve.join(await alice.node.createInvite(roomId))
  return { roomId, eve, eveKey, eveLibp2p, eveId: eveLibp2p.peerId.toString(), aliceId: alice.node.info().peerId }
}

describe('a hostile peer cannot disturb a room', () => {
  test('non-member frames (submissions, a higher-term append, votes) are dropped; forged and unsigned submissions from a member are rejected', async () => {
    const alice = await startMember('alice')
    const bob = await startMember('bob')
    const { roomId } = await alice.node.createRoom('guarded')
    await waitFor(() => alice.node.room(roomId).host != null)
    await bob.node.join(await alice.node.createInvite(roomId))
    await alice.node.send(roomId, 'honest')
    await waitFor(() => bob.node.messages(roomId).length === 1)
    const before = alice.node.room(roomId)

    // A plain libp2p peer speaking the DeMeS protocol, not a member of the room.
    const mallory = await createDemesLibp2p({ transport: 'memory', mdns: false, privateKey: await generateKeyPair('Ed25519') })
    started.push(mallory)
    const malloryId = mallory.peerId.toString()
    const aliceId = alice.node.info().peerId
    const bobId = bob.node.info().peerId
    await mallory.dial(alice.libp2p.getMultiaddrs()[0])
    const send = (message: Omit<RaftMessage, 'from' | 'to'>, to = aliceId): void => { mallory.services.demes.send(to, roomId, { from: malloryId, to, ...message }) }
    send({ term: 0, submit: { submissions: [{ sender: malloryId, seq: 1, payload: encodeChatBody('spam'), sentAt: 0, signature: EMPTY }] } })
    send({ term: before.term + 50, appendEntries: { prevLogIndex: 0, prevLogTerm: 0, commitIndex: 99, deliveredIndex: 0, entries: [{ index: 1, term: before.term + 50, type: EntryType.ENTRY_NOOP, prevHash: EMPTY, hostSignature: EMPTY }] } })
    send({ term: before.term + 50, requestVote: { lastLogIndex: 1000, lastLogTerm: 1000, preVote: false, transfer: true } })
    send({ term: before.term + 50, timeoutNow: {} }, bobId)
    await new Promise(resolve => setTimeout(resolve, 500))

    const after = alice.node.room(roomId)
    expect(after.host).toBe(before.host)
    expect(after.term).toBe(before.term)
    expect(alice.node.messages(roomId).map(m => m.text)).toEqual(['honest'])
    expect(bob.node.room(roomId).term).toBe(before.term)

    // The room carries on.
    await bob.node.send(roomId, 'still here')
    await waitFor(() => alice.node.messages(roomId).length === 2)
  })

  test('a member cannot submit unsigned or forged messages, nor messages in another member\'s name', async () => {
    const alice = await startMember('alice')
    const { roomId, eve, eveKey, eveLibp2p, eveId, aliceId } = await roomWithEve(alice)
    const submit = (submission: { sender: string, seq: number, text: string, signature: Uint8Array }): void => {
      eveLibp2p.services.demes.send(aliceId, roomId, { term: 0, from: eveId, to: aliceId, submit: { submissions: [{ sender: submission.sender, seq: submission.seq, payload: encodeChatBody(submission.text), sentAt: 0, signature: submission.signature as Uint8Array<ArrayBuffer> }] } })
    }
    submit({ sender: eveId, seq: 1, text: 'unsigned', signature: EMPTY })
    const otherKey = await generateKeyPair('Ed25519')
    submit({ sender: eveId, seq: 1, text: 'signed by someone else', signature: await otherKey.sign(encodeChatBody('x')) })
    const forgedForAlice = await signSubmission(eveKey, roomId, { sender: eveId, seq: 1, payload: encodeChatBody('in alice\'s name'), sentAt: 0 })
    submit({ sender: aliceId, seq: 1, text: 'in alice\'s name', signature: forgedForAlice.signature })
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(alice.node.messages(roomId)).toEqual([])

    // A properly signed message from eve goes through.
    await eve.send(roomId, 'signed and sequenced')
    await waitFor(() => alice.node.messages(roomId).length === 1)
    expect(alice.node.messages(roomId)[0]).toMatchObject({ sender: eveId, text: 'signed and sequenced' })
  })

  test('entries a member hands over with a refused pre-vote (a log tail) are signature-checked like replicated ones', async () => {
    const logs: string[] = []
    const alice = await startMember('alice', logs)
    const { roomId, eveKey, eveLibp2p, eveId, aliceId } = await roomWithEve(alice)
    // The room is quiet: alice's log ends at her commit index, with an entry of her term.
    const { commitIndex: lastIndex, term } = alice.node.room(roomId)
    const lastTerm = term
    const refusalWithTail = (submission: Submission): void => {
      const entry = { index: lastIndex + 1, term, type: EntryType.ENTRY_SUBMISSION, submission, prevHash: EMPTY, hostSignature: EMPTY }
      eveLibp2p.services.demes.send(aliceId, roomId, { term, from: eveId, to: aliceId, voteResponse: { granted: false, preVote: true, tail: { prevLogIndex: lastIndex, prevLogTerm: lastTerm, entries: [entry] } } })
    }
    // In alice's name, signed with eve's key: refused before the core sees it.
    const forged = await signSubmission(eveKey, roomId, { sender: eveId, seq: 7, payload: encodeChatBody('alice never wrote this'), sentAt: 0 })
    refusalWithTail({ ...forged, sender: aliceId })
    await waitFor(() => logs.some(line => line.includes(`rejected a message from ${eveId}: submission ${aliceId}#7: bad-signature`)), 5000)
    // Signed by its sender: passes the check and reaches the core (which, as host, has no use for it).
    refusalWithTail(await signSubmission(eveKey, roomId, { sender: eveId, seq: 7, payload: encodeChatBody('eve wrote this'), sentAt: 0 }))
    await waitFor(() => logs.some(line => line.includes(`${eveId} refused our pre-vote and sent the 1 entries our log lacks`)), 5000)
    expect(alice.node.messages(roomId)).toEqual([])
  })
})
