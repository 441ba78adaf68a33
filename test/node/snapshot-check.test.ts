import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { EntryType, type Entry, type InstallSnapshot, type Submission } from '../../proto/raft.js'
import { CHECKPOINT_EVERY, encodeCheckpoint, mayHoldCheckpoint, type Checkpoint } from '../../src/chat/checkpoint.js'
import { ChatProjection, encodeChatBody } from '../../src/chat/projection.js'
import { encodeRecords } from '../../src/chat/snapshot.js'
import { signSubmission, SubmissionSigner, SubmissionVerifier } from '../../src/crypto/submission.js'
import { IncomingSnapshotCheck, MAX_UNPROVEN_RECORDS, vouchesForSnapshot } from '../../src/node/snapshot-check.js'
import { MemoryRoomHistory } from '../../src/store/history.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

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
    out.push({ index: META.index, term: META.term, offset, data: data.slice(offset, offset + size), done, meta: done ? META : undefined, vouchers: [] })
  }
  return out
}

/** A check that logs nothing and trusts the checkpoints of `electorate`. */
function newCheck (opts: { room?: string, verifier?: SubmissionVerifier, electorate?: string[], notices?: string[] } = {}): IncomingSnapshotCheck {
  return new IncomingSnapshotCheck(opts.room ?? ROOM, opts.verifier ?? new SubmissionVerifier(), { electorate: () => opts.electorate ?? [], notice: m => { opts.notices?.push(m) } })
}

/** Steps chunks (sent by `from`) through the check as the node and core do: each one that passes is accepted (stored) before the next. */
function transfer (check: IncomingSnapshotCheck, list: InstallSnapshot[], from = 'host'): Array<{ offset: number, ok: boolean, reason?: string }> {
  return list.map(chunk => {
    const result = check.check(chunk, from)
    if (result.ok) check.accept([{ index: chunk.index, term: chunk.term, offset: chunk.offset, data: result.chunk.data }])
    return { offset: chunk.offset, ok: result.ok, ...(result.ok ? {} : { reason: result.reason }) }
  })
}

describe('IncomingSnapshotCheck: records and signatures of a snapshot, chunk by chunk', () => {
  test('a snapshot of validly signed records passes in chunks that cut records anywhere', async () => {
    const data = encodeRecords(await signedLog(30))
    for (const size of [7, 100, 1000, data.byteLength]) {
      const results = transfer(newCheck(), chunks(data, size))
      expect(results.every(r => r.ok)).toBe(true)
    }
  })

  test('without checkpoints, the last chunk is refused if any record is forged, naming the record; the chunks before it are only stored', async () => {
    const entries = await signedLog(30, 17)
    const data = encodeRecords(entries)
    const results = transfer(newCheck(), chunks(data, 200))
    expect(results.slice(0, -1).every(r => r.ok)).toBe(true)
    expect(results.at(-1)).toMatchObject({ ok: false, reason: expect.stringMatching(/snapshot 40: record 17 \(.*#17\): bad-signature/) })
    // The same records signed for another room are forgeries too (a signature covers the room).
    const elsewhere = transfer(newCheck({ room: 'room-2' }), chunks(encodeRecords(await signedLog(3)), 1000))
    expect(elsewhere[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/bad-signature/) })
  })

  test('a last chunk that ends inside a record is refused', async () => {
    const data = encodeRecords(await signedLog(3))
    const cut = chunks(data.subarray(0, data.byteLength - 3), 1000)
    expect(transfer(newCheck(), cut)[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/ends inside a record/) })
  })

  test('a chunk that does not continue the checked data goes on without its data (the core answers it), and offset 0 starts over', async () => {
    const data = encodeRecords(await signedLog(10))
    const list = chunks(data, 150)
    const check = newCheck()
    transfer(check, list.slice(0, 2))
    // A repeat of the first chunk's successor, a skip ahead, an older snapshot's or an older term's
    // continuation: nothing of them is passed on.
    for (const stray of [list[1], list[3], { ...list[2], index: 39 }, { ...list[2], index: 41, term: 1 }]) {
      const result = check.check(stray, 'host')
      expect(result).toEqual({ ok: true, chunk: { ...stray, data: EMPTY, done: false, meta: undefined } })
    }
    // The transfer resumes where it was, and a restart from 0 is checked from scratch.
    expect(transfer(check, list.slice(2)).every(r => r.ok)).toBe(true)
    expect(transfer(check, list).every(r => r.ok)).toBe(true)
  })
})

describe('IncomingSnapshotCheck across a newer snapshot (append-only data: the core relabels its reception)', () => {
  test('a chunk of a newer snapshot at the offset reached continues the check, with the newer bounds on index and term', async () => {
    // Records 2..11; the transfer starts as snapshot 6 and goes on as snapshot 11, as a host does that compacted meanwhile.
    const data = encodeRecords(await signedLog(10))
    const list = chunks(data, 150)
    const older = { index: 6, term: 2 }
    const newer = { index: 11, term: 2 }
    const firstPart = list.slice(0, 2).map(ch => ({ ...ch, ...older }))
    const rest = list.slice(2).map(ch => ({ ...ch, ...newer, meta: ch.meta != null ? { ...META, ...newer } : undefined }))
    expect(list.length).toBeGreaterThan(3)
    const check = newCheck()
    for (const chunk of [...firstPart, ...rest]) {
      const result = check.check(chunk, 'host')
      // Passed on with its data and metadata (a chunk the check cannot continue goes on empty).
      expect(result).toEqual({ ok: true, chunk })
      if (result.ok) check.accept([{ index: chunk.index, term: chunk.term, offset: chunk.offset, data: result.chunk.data }])
    }
    // Without the relabel the records above 6 are refused: the bounds are those of the label.
    const strict = newCheck()
    const all = transfer(strict, list.map(ch => ({ ...ch, ...older, meta: ch.meta != null ? { ...META, ...older } : undefined })))
    expect(all.some(r => !r.ok && /record index 7 after 6 \(snapshot through 6\)/.test(r.reason ?? ''))).toBe(true)
  })
})

interface Member { id: string, signer: SubmissionSigner }

async function member (): Promise<Member> {
  const key: Ed25519PrivateKey = await generateKeyPair('Ed25519')
  return { id: peerIdFromPrivateKey(key).toString(), signer: new SubmissionSigner(key) }
}

/**
 * A room's committed log from index 2: `messages` chat messages written in turn by `writers`, and
 * after every checkpoint boundary a checkpoint from each of `attesters`, as the projection reports
 * it due (the same code path a node attests with).
 */
function roomLog (messages: number, writers: Member[], attesters: Member[]): Entry[] {
  const seqs = new Map<string, number>()
  const due: Checkpoint[] = []
  const chat = new ChatProjection(new MemoryRoomHistory(), { roomId: ROOM, checkpoints: { due: c => { due.push(c) }, seen: () => {} } })
  const entries: Entry[] = []
  const append = (author: Member, payload: Uint8Array<ArrayBuffer>): void => {
    const seq = (seqs.get(author.id) ?? 0) + 1
    seqs.set(author.id, seq)
    const unsigned = { sender: author.id, seq, payload, sentAt: 1_700_000_000_000 + seq }
    const entry: Entry = { index: entries.length + 2, term: 2, type: EntryType.ENTRY_SUBMISSION, submission: { ...unsigned, signature: author.signer.sign(ROOM, unsigned) }, prevHash: EMPTY, hostSignature: EMPTY }
    entries.push(entry)
    chat.apply([entry])
  }
  for (let i = 0; i < messages; i++) {
    append(writers[i % writers.length], encodeChatBody(`message ${i}`))
    for (const checkpoint of due.splice(0)) for (const attester of attesters) append(attester, encodeCheckpoint(checkpoint))
  }
  return entries
}

/** `entries` with the one at `index` replaced by a message the host made up in its writer's name (signed with another key). */
function forged (entries: Entry[], index: number, forger: Member): Entry[] {
  return entries.map(e => {
    if (e.index !== index || e.submission == null) return e
    if (e.submission.sender === forger.id) throw new Error(`entry ${index} is the forger's own: pick another`)
    const unsigned = { ...e.submission, payload: encodeChatBody('words never written') }
    return { ...e, submission: { ...unsigned, signature: forger.signer.sign(ROOM, { ...unsigned, sender: forger.id }) } }
  })
}

function snapshotChunks (entries: Entry[], size: number): InstallSnapshot[] {
  const data = encodeRecords(entries)
  const last = entries[entries.length - 1]
  const meta = { ...META, index: last.index, term: last.term }
  const out: InstallSnapshot[] = []
  for (let offset = 0; offset < data.byteLength; offset += size) {
    const done = offset + size >= data.byteLength
    out.push({ index: meta.index, term: meta.term, offset, data: data.slice(offset, offset + size), done, meta: done ? meta : undefined, vouchers: [] })
  }
  return out
}

describe('IncomingSnapshotCheck: history checkpoints vouch for records', () => {
  test('records a majority of voters attested (not the sender alone) need no signature check of their own', async () => {
    const [host, other, self] = [await member(), await member(), await member()]
    const entries = roomLog(2500, [host, other], [host, other])
    const verifier = new SubmissionVerifier()
    const check = newCheck({ verifier, electorate: [host.id, other.id, self.id] })
    expect(transfer(check, snapshotChunks(entries, 64 * 1024), host.id).every(r => r.ok)).toBe(true)
    const stats = check.installed()
    expect(stats?.records).toBe(entries.length)
    // Checkpoints at 1000 and 2000 cover everything through 2000; the rest is checked one by one.
    expect(stats?.byCheckpoint).toBeGreaterThanOrEqual(2000 - 10)
    expect((stats?.byCheckpoint ?? 0) + (stats?.bySignature ?? 0)).toBe(entries.length)
    expect(verifier.checks).toBeLessThan(entries.length - 1900)
  })

  test('the sender\'s own checkpoints, or those of non-voters, prove nothing: every record is checked', async () => {
    const [host, outsider, self] = [await member(), await member(), await member()]
    const entries = roomLog(1500, [host], [host, outsider])
    for (const electorate of [[host.id], [host.id, self.id]]) {
      const verifier = new SubmissionVerifier()
      const check = newCheck({ verifier, electorate })
      expect(transfer(check, snapshotChunks(entries, 64 * 1024), host.id).every(r => r.ok)).toBe(true)
      expect(check.installed()).toMatchObject({ byCheckpoint: 0, bySignature: entries.length })
      expect(verifier.checks).toBeGreaterThanOrEqual(entries.length)
    }
  })

  test('a record the host forged breaks the chain: honest checkpoints disagree (logged), and the last chunk is refused naming the record', async () => {
    const [host, other, self] = [await member(), await member(), await member()]
    const entries = forged(roomLog(1500, [host, other], [other]), 501, host)
    const notices: string[] = []
    const results = transfer(newCheck({ electorate: [host.id, other.id, self.id], notices }), snapshotChunks(entries, 16 * 1024), host.id)
    expect(results.slice(0, -1).every(r => r.ok)).toBe(true)
    expect(results.at(-1)).toMatchObject({ ok: false, reason: expect.stringMatching(/record 501 \(.*\): bad-signature/) })
    expect(notices).toEqual([expect.stringMatching(new RegExp(`member ${other.id} attests a history through 1000 that differs`))])
  })

  test('without checkpoints, unproven records are checked once more than MAX_UNPROVEN_RECORDS wait: a forgery is refused before the last chunk', async () => {
    const [host, other] = [await member(), await member()]
    const entries = forged(roomLog(MAX_UNPROVEN_RECORDS + 1000, [host, other], []), 11, host)
    const results = transfer(newCheck({ electorate: [host.id, other.id] }), snapshotChunks(entries, 64 * 1024), host.id)
    const refused = results.findIndex(r => !r.ok)
    expect(refused).toBeGreaterThan(0)
    expect(refused).toBeLessThan(results.length - 1)
    expect(results[refused].reason).toMatch(/record 11 .*bad-signature/)
  })
})

/**
 * The snapshot through `through` (a link) of a room's log, in chunks, and the checkpoints through that
 * link that follow it in the log: what a host sends with the last chunk (vouchesForSnapshot).
 */
function snapshotWithVouchers (log: Entry[], through: number, size: number): { list: InstallSnapshot[], vouchers: Submission[] } {
  const list = snapshotChunks(log.filter(e => e.index <= through), size)
  const vouchers = log.filter(e => e.index > through && e.submission != null && vouchesForSnapshot(through, e.submission)).map(e => e.submission as Submission)
  return { list, vouchers }
}

/** `list` with `vouchers` on its last chunk. */
function withVouchers (list: InstallSnapshot[], vouchers: Submission[]): InstallSnapshot[] {
  return list.map((chunk, k) => k === list.length - 1 ? { ...chunk, vouchers } : chunk)
}

describe('IncomingSnapshotCheck: checkpoints after the snapshot, sent with its last chunk (vouchers)', () => {
  test('a majority of voters\' checkpoints through the last link prove it: no record is checked by its own signature', async () => {
    const [host, other, self] = [await member(), await member(), await member()]
    const log = roomLog(3100, [host, other], [host, other])
    const { list, vouchers } = snapshotWithVouchers(log, 3000, 64 * 1024)
    expect(vouchers.map(v => v.sender).sort()).toEqual([host.id, other.id].sort())
    const verifier = new SubmissionVerifier()
    const check = newCheck({ verifier, electorate: [host.id, other.id, self.id] })
    expect(transfer(check, withVouchers(list, vouchers), host.id).every(r => r.ok)).toBe(true)
    const stats = check.installed()
    expect(stats).toMatchObject({ records: 3000 - 1, byCheckpoint: 3000 - 1, bySignature: 0 })
    // The checkpoints' own signatures only (in the data and the vouchers).
    expect(verifier.checks).toBeLessThanOrEqual(6)
    // Without them the last link's records are checked one by one, as before.
    const without = newCheck({ electorate: [host.id, other.id, self.id] })
    expect(transfer(without, list, host.id).every(r => r.ok)).toBe(true)
    expect(without.installed()?.bySignature).toBeGreaterThan(900)
  })

  test('the host\'s own voucher, a voucher whose signature does not check, or one attesting another history proves nothing (noticed); the records are checked one by one', async () => {
    const [host, other, self] = [await member(), await member(), await member()]
    const log = roomLog(2100, [host, other], [host, other])
    const { list, vouchers } = snapshotWithVouchers(log, 2000, 64 * 1024)
    const own = vouchers.filter(v => v.sender === host.id)
    const others = vouchers.find(v => v.sender === other.id) as Submission
    const garbled = { ...others, signature: others.signature.map((b, k) => k === 0 ? b ^ 1 : b) }
    const unsigned = { ...others, payload: encodeCheckpoint({ through: 2000, digest: new Uint8Array(32).fill(7) }) }
    const differing = { ...unsigned, signature: other.signer.sign(ROOM, unsigned) }
    for (const [sent, notice] of [[own, undefined], [[...own, garbled], /does not check: bad-signature/], [[...own, differing], /attests a history through 2000 that differs/]] as Array<[Submission[], RegExp | undefined]>) {
      const notices: string[] = []
      const check = newCheck({ electorate: [host.id, other.id, self.id], notices })
      expect(transfer(check, withVouchers(list, sent), host.id).every(r => r.ok)).toBe(true)
      expect(check.installed()?.bySignature).toBeGreaterThan(900)
      if (notice != null) expect(notices).toEqual([expect.stringMatching(notice)])
    }
  })

  test('vouchers cannot cover a forgery: honest checkpoints disagree with the forged chain, and the last chunk is refused naming the record', async () => {
    const [host, other, self] = [await member(), await member(), await member()]
    const { list, vouchers } = snapshotWithVouchers(forged(roomLog(2100, [host, other], [host, other]), 1991, host), 2000, 16 * 1024)
    const results = transfer(newCheck({ electorate: [host.id, other.id, self.id] }), withVouchers(list, vouchers), host.id)
    expect(results.at(-1)).toMatchObject({ ok: false, reason: expect.stringMatching(/record 1991 \(.*\): bad-signature/) })
  })
})

describe('IncomingSnapshotCheck: no forgery passes, whatever the host does (property)', () => {
  test('a snapshot passes exactly when none of its records is forged, for any chunking, electorate, forgeries and fake checkpoints', async () => {
    const [host, other, third, self] = [await member(), await member(), await member(), await member()]
    const genuine = roomLog(2600, [host, other, third], [host, other, third])
    const checkpointIndexes = genuine.filter(e => e.submission != null && mayHoldCheckpoint(e.submission.payload)).map(e => e.index)
    const messageIndexes = genuine.filter(e => e.submission != null && !mayHoldCheckpoint(e.submission.payload) && e.submission.sender !== host.id).map(e => e.index)
    const electorates = [[host.id, other.id, third.id, self.id], [host.id, other.id, self.id], [host.id, self.id], [other.id, third.id], []]
    fc.assert(fc.property(
      fc.constantFrom(997, 16 * 1024, 64 * 1024, 256 * 1024),
      fc.constantFrom(...electorates),
      fc.uniqueArray(fc.constantFrom(...messageIndexes), { maxLength: 2 }),
      // The host may also make up a checkpoint in another member's name, vouching for its forgery.
      fc.option(fc.constantFrom(...checkpointIndexes), { nil: undefined }),
      (chunkBytes, electorate, forgeAt, fakeCheckpointAt) => {
        let entries = genuine
        for (const index of forgeAt) entries = forged(entries, index, host)
        if (fakeCheckpointAt != null) {
          entries = entries.map(e => {
            if (e.index !== fakeCheckpointAt || e.submission == null || e.submission.sender === host.id) return e
            const unsigned = { ...e.submission, payload: encodeCheckpoint({ through: Math.floor((e.index - 1) / CHECKPOINT_EVERY) * CHECKPOINT_EVERY, digest: new Uint8Array(32).fill(9) }) }
            return { ...e, submission: { ...unsigned, signature: host.signer.sign(ROOM, { ...unsigned, sender: host.id }) } }
          })
        }
        const tampered = forgeAt.length > 0 || entries.some((e, i) => e !== genuine[i])
        const results = transfer(newCheck({ electorate }), snapshotChunks(entries, chunkBytes), host.id)
        expect(results.every(r => r.ok)).toBe(!tampered)
      }
    ), { numRuns: 25 })
  }, 120_000)
})
