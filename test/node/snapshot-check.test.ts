import { describe, expect, test } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { EntryType, type Entry, type InstallSnapshot } from '../../proto/raft.js'
import { encodeChatBody } from '../../src/chat/projection.js'
import { encodeRecords } from '../../src/chat/snapshot.js'
import { signSubmission, SubmissionVerifier } from '../../src/crypto/submission.js'
import { IncomingSnapshotCheck } from '../../src/node/snapshot-check.js'

const ROOM = 'room-1'
const EMPTY = new Uint8Array(0)
const META = { index: 40, term: 2, config: { voters: ['a'], learners: [] }, configIndex: 1, senderSeqs: [] }

/** Signed chat entries 2..count+1 from two real keys; `forgeAt` is signed by the other key than its sender's. */
async function signedLog (count: number, forgeAt?: number): Promise<Entry[]> {
  const keys = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
  const entries: Entry[] = []
  for (let index = 2; index < count + 2; index++) {
    const author = keys[index % 2]
    const signer = index === forgeAt ? keys[(index + 1) % 2] : author
    const sender = peerIdFromPrivateKey(author).toString()
    const signed = await signSubmission(signer, ROOM, { sender: peerIdFromPrivateKey(signer).toString(), seq: index, payload: encodeChatBody(`text ${index}`), sentAt: index })
    entries.push({ index, term: 2, type: EntryType.ENTRY_SUBMISSION, submission: { ...signed, sender }, prevHash: EMPTY, hostSignature: EMPTY })
  }
  return entries
}

/** The data cut into chunks of `size` bytes (record boundaries fall anywhere), as a host sends them. */
function chunks (data: Uint8Array, size: number): InstallSnapshot[] {
  const out: InstallSnapshot[] = []
  for (let offset = 0; offset === 0 || offset < data.byteLength; offset += size) {
    const done = offset + size >= data.byteLength
    out.push({ index: META.index, term: META.term, offset, data: data.slice(offset, offset + size), done, meta: done ? META : undefined })
  }
  return out
}

/** Steps chunks through the check as the node and core do: each one that passes is accepted (stored) before the next. */
function transfer (check: IncomingSnapshotCheck, list: InstallSnapshot[]): Array<{ offset: number, ok: boolean, reason?: string }> {
  return list.map(chunk => {
    const result = check.check(chunk)
    if (result.ok) check.accept([{ index: chunk.index, term: chunk.term, offset: chunk.offset, data: result.chunk.data }])
    return { offset: chunk.offset, ok: result.ok, ...(result.ok ? {} : { reason: result.reason }) }
  })
}

describe('IncomingSnapshotCheck: records and signatures of a snapshot, chunk by chunk', () => {
  test('a snapshot of validly signed records passes in chunks that cut records anywhere', async () => {
    const data = encodeRecords(await signedLog(30))
    for (const size of [7, 100, 1000, data.byteLength]) {
      const results = transfer(new IncomingSnapshotCheck(ROOM, new SubmissionVerifier()), chunks(data, size))
      expect(results.every(r => r.ok)).toBe(true)
    }
  })

  test('the chunk that completes a forged record is refused, naming the record; the chunks before it pass', async () => {
    const entries = await signedLog(30, 17)
    const data = encodeRecords(entries)
    const results = transfer(new IncomingSnapshotCheck(ROOM, new SubmissionVerifier()), chunks(data, 200))
    const refused = results.filter(r => !r.ok)
    expect(refused.length).toBeGreaterThanOrEqual(1)
    expect(refused[0].reason).toMatch(/snapshot 40: record 17 \(.*#17\): bad-signature/)
    expect(results.slice(0, results.indexOf(refused[0])).every(r => r.ok)).toBe(true)
    // The same records signed for another room are forgeries too (a signature covers the room).
    const elsewhere = transfer(new IncomingSnapshotCheck('room-2', new SubmissionVerifier()), chunks(encodeRecords(await signedLog(3)), 1000))
    expect(elsewhere[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/bad-signature/) })
  })

  test('a last chunk that ends inside a record is refused', async () => {
    const data = encodeRecords(await signedLog(3))
    const cut = chunks(data.subarray(0, data.byteLength - 3), 1000)
    expect(transfer(new IncomingSnapshotCheck(ROOM, new SubmissionVerifier()), cut)[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/ends inside a record/) })
  })

  test('a chunk that does not continue the checked data goes on without its data (the core answers it), and offset 0 starts over', async () => {
    const data = encodeRecords(await signedLog(10))
    const list = chunks(data, 150)
    const check = new IncomingSnapshotCheck(ROOM, new SubmissionVerifier())
    transfer(check, list.slice(0, 2))
    // A repeat of the first chunk's successor, a skip ahead, another snapshot's continuation: nothing of them is passed on.
    for (const stray of [list[1], list[3], { ...list[2], index: 41 }]) {
      const result = check.check(stray)
      expect(result).toEqual({ ok: true, chunk: { ...stray, data: EMPTY, done: false, meta: undefined } })
    }
    // The transfer resumes where it was, and a restart from 0 is checked from scratch.
    expect(transfer(check, list.slice(2)).every(r => r.ok)).toBe(true)
    expect(transfer(check, list).every(r => r.ok)).toBe(true)
  })
})
