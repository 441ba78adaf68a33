/**
 * Unit tests of RaftCore named after the rule of the Raft paper (§5.x), the Raft thesis (§4, §9.6)
 * or the DeMeS protocol rule they check. Modelled on etcd's raft_paper_test.go: each test drives one
 * (sometimes a few) RaftCore instances directly, feeding RaftMessage objects and calling tick(now)
 * with explicit times, then inspects ready().messages / events / entries and status().
 */
import { ConfigChangeType, EntryType } from '../../proto/raft.js'
import type { Entry, RaftMessage, Submission } from '../../proto/raft.js'
import { RaftCore } from '../../src/core/raft.js'
import { coreOptions, DEFAULT_LIMITS, type CoreOptions, type Limits, type Timing } from '../../src/core/options.js'
import { seededRng } from '../../src/core/rng.js'
import type { DurableState, Ready, RejectReason } from '../../src/core/types.js'

// -------------------------------------------------------------------------------------------------
// Helpers

const T = 100 // election timeout
const HB = 10 // heartbeat interval
const STAGGER = 30
const JITTER = 5
const TIMING: Timing = { heartbeatIntervalMs: HB, electionTimeoutMs: T, rankStaggerMs: STAGGER, rankJitterMs: JITTER, resendIntervalMs: 10_000 }
const VOTERS = ['a', 'b', 'c']
const EMPTY = new Uint8Array(0)

type Body = Omit<RaftMessage, 'term' | 'from' | 'to'>
type Overrides = Partial<Omit<CoreOptions, 'id' | 'rng'>>

function msg (from: string, to: string, term: number, body: Body): RaftMessage {
  return { term, from, to, ...body }
}

function newCore (id: string, overrides: Overrides = {}, durable: DurableState | undefined = RaftCore.bootstrap(VOTERS), now = 0, seed = 1): RaftCore {
  return new RaftCore(coreOptions(id, seededRng(seed), { timing: TIMING, succession: 'randomized', ...overrides }), durable, now)
}

/** Takes the pending output (the driver contract: ready, then advance). */
function take (core: RaftCore): Ready {
  const rd = core.ready()
  core.advance()
  return rd
}

function limits (overrides: Partial<Limits>): Limits {
  return { ...DEFAULT_LIMITS, ...overrides }
}

function noop (index: number, term: number): Entry {
  return { index, term, type: EntryType.ENTRY_NOOP, prevHash: EMPTY, hostSignature: EMPTY }
}

function sub (sender: string, seq: number, payload: Uint8Array = new TextEncoder().encode(`${sender}#${seq}`)): Submission {
  return { sender, seq, payload: payload as Uint8Array<ArrayBuffer>, sentAt: 0, signature: EMPTY }
}

function subEntry (index: number, term: number, sender: string, seq: number): Entry {
  return { index, term, type: EntryType.ENTRY_SUBMISSION, submission: sub(sender, seq), prevHash: EMPTY, hostSignature: EMPTY }
}

/** The bootstrap configuration entry followed by no-ops of the given terms (index 2, 3, ...). */
function durableWith (terms: number[], hard: { term?: number, vote?: string, commitIndex?: number, lastSeq?: number } = {}): DurableState {
  const boot = RaftCore.bootstrap(VOTERS)
  const entries = [...boot.entries, ...terms.map((term, i) => noop(i + 2, term))]
  return {
    hardState: { term: hard.term ?? Math.max(1, ...terms), vote: hard.vote ?? '', commitIndex: hard.commitIndex ?? 1, lastSeq: hard.lastSeq ?? 0 },
    entries,
    outbox: []
  }
}

function appendEntries (prevLogIndex: number, prevLogTerm: number, entries: Entry[], commitIndex: number): Body {
  return { appendEntries: { prevLogIndex, prevLogTerm, entries, commitIndex, deliveredIndex: 0 } }
}

function heartbeat (commitIndex = 0, succession: string[] = [], probe = 1): Body {
  return { heartbeat: { commitIndex, deliveredIndex: 0, succession, probe, hostCommitIndex: commitIndex } }
}

function appendOk (matchIndex: number, lastLogIndex = matchIndex): Body {
  return { appendResponse: { success: true, matchIndex, conflictIndex: 0, conflictTerm: 0, lastLogIndex, rejectedPrevIndex: 0 } }
}

function requestVote (lastLogIndex: number, lastLogTerm: number, preVote = false, transfer = false): Body {
  return { requestVote: { lastLogIndex, lastLogTerm, preVote, transfer } }
}

function voteResponse (granted: boolean, preVote = false): Body {
  return { voteResponse: { granted, preVote } }
}

function reasons (rd: Ready): RejectReason[] {
  return rd.events.flatMap(e => e.type === 'rejected' ? [e.reason] : [])
}

function to (rd: Ready, peer: string): RaftMessage[] {
  return rd.messages.filter(m => m.to === peer)
}

function appendsTo (rd: Ready, peer: string): NonNullable<RaftMessage['appendEntries']>[] {
  return to(rd, peer).flatMap(m => m.appendEntries != null ? [m.appendEntries] : [])
}

/** Makes `core` win an election with pre-vote and vote grants from `voter`; returns the Ready of winning. */
function elect (core: RaftCore, now = 0, voter = 'b'): Ready {
  core.campaign(false)
  const term = core.status().term + 1
  core.step(msg(voter, core.id, term, voteResponse(true, true)), now)
  core.step(msg(voter, core.id, term, voteResponse(true, false)), now)
  expect(core.status()).toMatchObject({ role: 'leader', term, leader: core.id })
  return take(core)
}

/** Host `a` of term 2 over a, b, c with its no-op (index 2) acknowledged by b and committed. */
function leaderA (overrides: Overrides = {}): RaftCore {
  const a = newCore('a', overrides)
  elect(a)
  a.step(msg('b', 'a', 2, appendOk(2)), 0)
  take(a)
  expect(a.status()).toMatchObject({ role: 'leader', term: 2, commitIndex: 2, lastIndex: 2 })
  return a
}

/** Follower `id` of host `leader` at `term`, having heard a heartbeat at `now`. */
function followerOf (id: string, leader: string, term: number, now = 0, overrides: Overrides = {}, durable?: DurableState): RaftCore {
  const core = newCore(id, overrides, durable)
  core.step(msg(leader, id, term, heartbeat()), now)
  take(core)
  expect(core.status()).toMatchObject({ role: 'follower', term, leader })
  return core
}

/** What a member persisted from its Ready outputs (the driver's store), to restart it from. */
class Disk {
  state: DurableState
  constructor (initial: DurableState) {
    this.state = { hardState: { ...initial.hardState }, entries: [...initial.entries], outbox: [...initial.outbox] }
  }

  persist (rd: Ready): void {
    if (rd.hardState != null) this.state.hardState = { ...rd.hardState }
    if (rd.entries.length > 0) this.state.entries = [...this.state.entries.slice(0, rd.entries[0].index - 1), ...rd.entries]
    this.state.outbox.push(...rd.outboxAppend)
    const through = rd.outboxCommittedThrough
    if (through != null) this.state.outbox = this.state.outbox.filter(s => s.seq > through)
  }

  load (): DurableState {
    return { hardState: { ...this.state.hardState }, entries: [...this.state.entries], outbox: [...this.state.outbox] }
  }
}

/** A tiny synchronous network of real cores: every message is delivered at the current time. */
class Net {
  readonly cores = new Map<string, RaftCore>()
  readonly down = new Set<string>()
  now = 0

  constructor (cores: RaftCore[]) {
    for (const core of cores) this.cores.set(core.id, core)
  }

  core (id: string): RaftCore {
    const core = this.cores.get(id)
    if (core == null) throw new Error(id)
    return core
  }

  flush (): void {
    for (let round = 0; round < 10_000; round++) {
      const messages: RaftMessage[] = []
      for (const [id, core] of this.cores) {
        if (this.down.has(id)) continue
        while (core.hasReady()) messages.push(...take(core).messages)
      }
      if (messages.length === 0) return
      for (const m of messages) {
        const target = this.cores.get(m.to)
        if (target != null && !this.down.has(m.to)) target.step(m, this.now)
      }
    }
    throw new Error('network did not quiesce')
  }

  run (ms: number, stepMs = 5): void {
    const end = this.now + ms
    while (this.now < end) {
      this.now += stepMs
      for (const [id, core] of this.cores) if (!this.down.has(id)) core.tick(this.now)
      this.flush()
    }
  }
}

// -------------------------------------------------------------------------------------------------
// §5.1 Terms

describe('§5.1 terms', () => {
  const roles: Array<[string, () => RaftCore]> = [
    ['follower', () => newCore('a')],
    ['preCandidate', () => { const a = newCore('a'); a.campaign(false); take(a); return a }],
    ['candidate', () => { const a = newCore('a'); a.campaign(true); take(a); return a }],
    ['leader', () => leaderA()]
  ]

  test.each(roles)('a %s seeing a higher term adopts it and becomes follower', (role, make) => {
    const a = make()
    expect(a.status().role).toBe(role)
    // A heartbeat response is not subject to the lease, so even a leader must step down on it.
    a.step(msg('c', 'a', 7, { heartbeatResponse: { probe: 1, lastLogIndex: 1, rtts: [], deliveredIndex: 0 } }), 1)
    const rd = take(a)
    expect(a.status()).toMatchObject({ role: 'follower', term: 7, vote: '', leader: null })
    expect(rd.hardState).toMatchObject({ term: 7, vote: '' })
    if (role !== 'follower') expect(rd.events).toContainEqual({ type: 'role', role: 'follower', term: 7 })
  })

  test.each(roles)('a %s receiving AppendEntries of a higher term follows its sender', (_role, make) => {
    const a = make()
    a.step(msg('c', 'a', 9, heartbeat()), 1)
    take(a)
    expect(a.status()).toMatchObject({ role: 'follower', term: 9, leader: 'c' })
  })

  test('stale-term messages are rejected and change no state', () => {
    const a = followerOf('a', 'b', 3)
    const before = a.status()
    const stale: Body[] = [
      heartbeat(1),
      appendEntries(1, 1, [noop(2, 2)], 2),
      requestVote(5, 2),
      voteResponse(true),
      { timeoutNow: {} },
      appendOk(1)
    ]
    for (const body of stale) {
      a.step(msg('c', 'a', 2, body), 5)
      const rd = take(a)
      expect(reasons(rd)).toEqual(['stale-term'])
      expect(rd.events).toContainEqual({ type: 'rejected', from: 'c', reason: 'stale-term', detail: '2 < 3' })
      expect(rd.entries).toEqual([])
      expect(rd.hardState).toBeUndefined()
      expect(rd.committed).toEqual([])
      expect(a.status()).toEqual(before)
      // Only a stale host hears back, with the newer term so that it steps down.
      for (const m of rd.messages) {
        expect(m).toMatchObject({ to: 'c', term: 3, appendResponse: { success: false, rejectedPrevIndex: 0 } })
      }
      if (body.appendEntries != null || body.heartbeat != null) expect(rd.messages).toHaveLength(1)
      else expect(rd.messages).toHaveLength(0)
    }
  })

  test('a stale pre-vote is answered with a refusal carrying the newer term', () => {
    const a = followerOf('a', 'b', 3)
    a.step(msg('c', 'a', 2, requestVote(9, 2, true)), 1)
    const rd = take(a)
    expect(reasons(rd)).toEqual(['stale-term'])
    expect(rd.messages).toEqual([msg('a', 'c', 3, voteResponse(false, true))])
    expect(a.status().term).toBe(3)
  })
})

// -------------------------------------------------------------------------------------------------
// §5.2 Leader election

describe('§5.2 leader election', () => {
  test('a follower starts an election after the election timeout: pre-vote first, then a real vote with term+1', () => {
    const a = newCore('a')
    take(a)
    const deadline = a.nextDeadline()
    expect(deadline).toBeGreaterThanOrEqual(T)
    expect(deadline).toBeLessThan(2 * T)

    a.tick(deadline - 1)
    let rd = take(a)
    expect(a.status().role).toBe('follower')
    expect(rd.messages).toEqual([])

    a.tick(deadline)
    rd = take(a)
    expect(a.status()).toMatchObject({ role: 'preCandidate', term: 1, vote: '' })
    expect(rd.hardState).toBeUndefined() // a pre-vote persists nothing
    expect(rd.messages).toEqual([
      msg('a', 'b', 2, requestVote(1, 1, true)),
      msg('a', 'c', 2, requestVote(1, 1, true))
    ])

    a.step(msg('b', 'a', 2, voteResponse(true, true)), deadline + 1)
    rd = take(a)
    expect(a.status()).toMatchObject({ role: 'candidate', term: 2, vote: 'a' })
    expect(rd.hardState).toMatchObject({ term: 2, vote: 'a' })
    expect(rd.messages).toEqual([
      msg('a', 'b', 2, requestVote(1, 1, false)),
      msg('a', 'c', 2, requestVote(1, 1, false))
    ])
  })

  test('a follower that keeps hearing from its host never campaigns', () => {
    const a = followerOf('a', 'b', 2)
    for (let now = HB; now <= 10 * T; now += HB) {
      a.step(msg('b', 'a', 2, heartbeat()), now)
      a.tick(now)
      expect(take(a).messages.some(m => m.requestVote != null)).toBe(false)
    }
    expect(a.status()).toMatchObject({ role: 'follower', term: 2, leader: 'b' })
  })

  test('a candidate wins with votes from a majority and announces itself', () => {
    const a = newCore('a')
    a.campaign(false)
    a.step(msg('b', 'a', 2, voteResponse(true, true)), 0)
    take(a)
    expect(a.status().role).toBe('candidate')
    a.step(msg('c', 'a', 2, voteResponse(true)), 1)
    const rd = take(a)
    expect(a.status()).toMatchObject({ role: 'leader', term: 2, leader: 'a' })
    expect(rd.events).toContainEqual({ type: 'role', role: 'leader', term: 2 })
    expect(rd.messages.filter(m => m.heartbeat != null).map(m => m.to).sort()).toEqual(['b', 'c'])
  })

  test('a candidate refused by a majority returns to follower without winning', () => {
    const a = newCore('a')
    a.campaign(true)
    take(a)
    a.step(msg('b', 'a', 2, voteResponse(false)), 1)
    expect(a.status().role).toBe('candidate')
    a.step(msg('c', 'a', 2, voteResponse(false)), 1)
    take(a)
    expect(a.status()).toMatchObject({ role: 'follower', term: 2, vote: 'a', leader: null })
  })

  test('a pre-candidate refused by a majority of pre-votes returns to follower at its old term', () => {
    const a = newCore('a')
    a.campaign(false)
    take(a)
    a.step(msg('b', 'a', 1, voteResponse(false, true)), 1)
    a.step(msg('c', 'a', 1, voteResponse(false, true)), 1)
    take(a)
    expect(a.status()).toMatchObject({ role: 'follower', term: 1, vote: '' })
  })

  test('a candidate steps down on AppendEntries of its own term from the winner', () => {
    const a = newCore('a')
    a.campaign(true)
    take(a)
    expect(a.status()).toMatchObject({ role: 'candidate', term: 2 })
    a.step(msg('c', 'a', 2, appendEntries(1, 1, [noop(2, 2)], 1)), 1)
    const rd = take(a)
    expect(a.status()).toMatchObject({ role: 'follower', term: 2, leader: 'c', lastIndex: 2 })
    expect(rd.messages).toEqual([msg('a', 'c', 2, appendOk(2))])
  })

  test('a pre-candidate steps down on a heartbeat of the current term', () => {
    const a = newCore('a')
    a.campaign(false)
    take(a)
    a.step(msg('c', 'a', 1, heartbeat()), 1)
    take(a)
    expect(a.status()).toMatchObject({ role: 'follower', term: 1, leader: 'c' })
  })

  test("election timeouts are randomized in [T, 2T) for succession 'randomized'", () => {
    const timeouts = new Set<number>()
    for (let seed = 1; seed <= 300; seed++) {
      const core = newCore('a', { succession: 'randomized' }, RaftCore.bootstrap(VOTERS), 1000, seed)
      const timeout = core.nextDeadline() - 1000
      expect(timeout).toBeGreaterThanOrEqual(T)
      expect(timeout).toBeLessThan(2 * T)
      timeouts.add(timeout)
    }
    expect(timeouts.size).toBeGreaterThan(50)
    // After hearing from a host the timer is re-armed in the same range, from the time of contact.
    const a = followerOf('a', 'b', 2, 5000)
    expect(a.nextDeadline() - 5000).toBeGreaterThanOrEqual(T)
    expect(a.nextDeadline() - 5000).toBeLessThan(2 * T)
  })

  test('ranked timeouts: backup k fires at T + k*stagger + jitter, the best backup first', () => {
    const voters = ['a', 'b', 'c', 'd']
    const succession = ['c', 'b', 'd']
    for (let seed = 1; seed <= 50; seed++) {
      const deadlines = new Map<string, number>()
      for (const id of ['b', 'c', 'd']) {
        const core = newCore(id, { succession: 'ranked' }, RaftCore.bootstrap(voters), 0, seed)
        core.step(msg('a', id, 2, heartbeat(0, succession)), 1000)
        const rd = take(core)
        expect(rd.events).toContainEqual({ type: 'succession', backups: succession })
        expect(core.status().succession).toEqual(succession)
        deadlines.set(id, core.nextDeadline() - 1000)
      }
      for (const [k, id] of succession.entries()) {
        expect(deadlines.get(id)).toBeGreaterThanOrEqual(T + k * STAGGER)
        expect(deadlines.get(id)).toBeLessThanOrEqual(T + k * STAGGER + JITTER)
      }
      expect(deadlines.get('c')).toBeLessThan(deadlines.get('b') as number)
      expect(deadlines.get('b')).toBeLessThan(deadlines.get('d') as number)
    }
  })

  test('ranked timeouts: a member outside the list, or whose campaign failed, waits after every ranked backup', () => {
    const voters = ['a', 'b', 'c', 'd']
    // d is a voter the host did not rank (e.g. it just joined).
    const d = newCore('d', { succession: 'ranked' }, RaftCore.bootstrap(voters), 0, 3)
    d.step(msg('a', 'd', 2, heartbeat(0, ['b', 'c'])), 1000)
    take(d)
    expect(d.nextDeadline() - 1000).toBeGreaterThanOrEqual(T + 2 * STAGGER)
    expect(d.nextDeadline() - 1000).toBeLessThan(T + 2 * STAGGER + T)

    const b = newCore('b', { succession: 'ranked' }, RaftCore.bootstrap(voters), 0, 3)
    b.step(msg('a', 'b', 2, heartbeat(0, ['b', 'c', 'd'])), 1000)
    take(b)
    const first = b.nextDeadline()
    expect(first - 1000).toBeLessThanOrEqual(T + JITTER)
    b.tick(first)
    take(b)
    expect(b.status().role).toBe('preCandidate')
    // Its first campaign got no answer: the next one waits behind the ranked timeouts of the others.
    expect(b.nextDeadline() - first).toBeGreaterThanOrEqual(T + 3 * STAGGER)
  })

  test('§5.2 a voter grants at most one vote per term (and persists it before answering)', () => {
    const a = newCore('a')
    a.step(msg('b', 'a', 2, requestVote(1, 1)), 1)
    let rd = take(a)
    expect(rd.hardState).toMatchObject({ term: 2, vote: 'b' })
    expect(rd.messages).toEqual([msg('a', 'b', 2, voteResponse(true))])

    a.step(msg('c', 'a', 2, requestVote(1, 1)), 2)
    rd = take(a)
    expect(rd.messages).toEqual([msg('a', 'c', 2, voteResponse(false))])
    expect(a.status().vote).toBe('b')

    // The same candidate asking again (a retransmission) gets the same answer.
    a.step(msg('b', 'a', 2, requestVote(1, 1)), 3)
    expect(take(a).messages).toEqual([msg('a', 'b', 2, voteResponse(true))])

    // A new term frees the vote.
    a.step(msg('c', 'a', 3, requestVote(1, 1)), 4)
    rd = take(a)
    expect(rd.messages).toEqual([msg('a', 'c', 3, voteResponse(true))])
    expect(a.status()).toMatchObject({ term: 3, vote: 'c' })
  })

  test('§5.2 a vote survives a restart: the restarted voter still refuses a second candidate of the term', () => {
    const a = newCore('a')
    const disk = new Disk(RaftCore.bootstrap(VOTERS))
    a.step(msg('b', 'a', 2, requestVote(1, 1)), 1)
    disk.persist(take(a))
    const restarted = newCore('a', {}, disk.load(), 2)
    expect(restarted.status()).toMatchObject({ term: 2, vote: 'b' })
    restarted.step(msg('c', 'a', 2, requestVote(1, 1)), 3)
    expect(take(restarted).messages).toEqual([msg('a', 'c', 2, voteResponse(false))])
  })
})

// -------------------------------------------------------------------------------------------------
// §5.4.1 Election restriction

describe('§5.4.1 election restriction', () => {
  // The voter's log ends at index 3 of term 2.
  const voterLog = (): DurableState => durableWith([2, 2], { term: 2 })

  test.each([
    ['a lower last term, even with a longer log', 9, 1],
    ['the same last term with a shorter log', 2, 2]
  ])('a vote is refused to a candidate whose log is less up to date: %s', (_what, lastLogIndex, lastLogTerm) => {
    const a = newCore('a', {}, voterLog())
    a.step(msg('b', 'a', 3, requestVote(lastLogIndex, lastLogTerm)), 1)
    const rd = take(a)
    expect(rd.messages).toEqual([msg('a', 'b', 3, voteResponse(false))])
    expect(a.status()).toMatchObject({ term: 3, vote: '' })
  })

  test.each([
    ['a higher last term', 1, 3],
    ['the same last term and a log at least as long', 3, 2]
  ])('a vote is granted to a candidate whose log is at least as up to date: %s', (_what, lastLogIndex, lastLogTerm) => {
    const a = newCore('a', {}, voterLog())
    a.step(msg('b', 'a', 4, requestVote(lastLogIndex, lastLogTerm)), 1)
    expect(take(a).messages).toEqual([msg('a', 'b', 4, voteResponse(true))])
    expect(a.status()).toMatchObject({ term: 4, vote: 'b' })
  })

  test("with bug knob 'vote-without-log-check' the stale candidate gets the vote (the knob works)", () => {
    const a = newCore('a', { bugs: new Set(['vote-without-log-check']) }, voterLog())
    a.step(msg('b', 'a', 3, requestVote(9, 1)), 1)
    expect(take(a).messages).toEqual([msg('a', 'b', 3, voteResponse(true))])
    expect(a.status().vote).toBe('b')
  })

  test('pre-votes apply the same log check', () => {
    const a = newCore('a', {}, voterLog())
    a.step(msg('b', 'a', 3, requestVote(9, 1, true)), 1)
    expect(take(a).messages).toEqual([msg('a', 'b', 2, voteResponse(false, true))])
  })
})

// -------------------------------------------------------------------------------------------------
// §5.3 Log replication

describe('§5.3 log replication', () => {
  test('a member catching up reports the host\'s commit index next to its own (progress display)', () => {
    const b = followerOf('b', 'a', 2, 0)
    expect(b.status().hostCommitIndex).toBe(0)
    // The host has committed 50 entries; this batch (after the bootstrap config at 1) brings b to 11.
    b.step(msg('a', 'b', 2, appendEntries(1, 1, Array.from({ length: 10 }, (_, i) => noop(i + 2, 2)), 50)), 1)
    take(b)
    expect(b.status()).toMatchObject({ commitIndex: 11, lastIndex: 11, hostCommitIndex: 50 })
  })

  test('a heartbeat tells a member far behind the host\'s commit index before any entry comes, and never commits by it', () => {
    const b = followerOf('b', 'a', 2, 0)
    // min(b's match, commit) is 1 for b; the host itself committed 5000.
    b.step(msg('a', 'b', 2, { heartbeat: { commitIndex: 1, deliveredIndex: 0, succession: [], probe: 1, hostCommitIndex: 5000 } }), 1)
    take(b)
    expect(b.status()).toMatchObject({ commitIndex: 1, hostCommitIndex: 5000 })
  })

  // Follower log: 1:t1 (config), 2:t2, 3:t2, 4:t3.
  const followerLog = (): DurableState => durableWith([2, 2, 3], { term: 3 })

  test('AppendEntries whose prevLogTerm does not match is rejected with a conflict hint', () => {
    const a = newCore('a', {}, followerLog())
    a.step(msg('b', 'a', 5, appendEntries(4, 4, [noop(5, 5)], 4)), 1)
    let rd = take(a)
    expect(rd.entries).toEqual([])
    expect(rd.messages).toEqual([msg('a', 'b', 5, {
      appendResponse: { success: false, matchIndex: 0, conflictIndex: 4, conflictTerm: 3, lastLogIndex: 4, rejectedPrevIndex: 4 }
    })])
    expect(a.status()).toMatchObject({ lastIndex: 4, commitIndex: 1, term: 5, leader: 'b' })

    // The hint skips the whole term the follower cannot match: the last index with term <= prevLogTerm.
    a.step(msg('b', 'a', 5, appendEntries(4, 2, [], 4)), 2)
    rd = take(a)
    expect(rd.messages[0].appendResponse).toMatchObject({ success: false, conflictIndex: 3, conflictTerm: 2, rejectedPrevIndex: 4 })

    // A prevLogIndex past the end of the follower's log.
    a.step(msg('b', 'a', 5, appendEntries(7, 4, [], 4)), 3)
    rd = take(a)
    expect(rd.messages[0].appendResponse).toMatchObject({ success: false, conflictIndex: 4, conflictTerm: 3, lastLogIndex: 4, rejectedPrevIndex: 7 })
    expect(a.entries(1, 4).map(e => e.term)).toEqual([1, 2, 2, 3])
  })

  test('conflicting entries are replaced, matching ones are kept', () => {
    const a = newCore('a', {}, followerLog())
    const original3 = a.entryAt(3)
    a.step(msg('b', 'a', 4, appendEntries(2, 2, [noop(3, 2), noop(4, 4), noop(5, 4)], 1)), 1)
    const rd = take(a)
    // Only the suffix from the first conflict is (re)written.
    expect(rd.entries.map(e => [e.index, e.term])).toEqual([[4, 4], [5, 4]])
    expect(a.entryAt(3)).toBe(original3)
    expect(a.entries(1, 5).map(e => e.term)).toEqual([1, 2, 2, 4, 4])
    expect(rd.messages).toEqual([msg('a', 'b', 4, appendOk(5))])
  })

  test('an AppendEntries whose entries are already present truncates nothing', () => {
    const a = newCore('a', {}, followerLog())
    // A delayed, shorter message of the current host: entries after it must survive.
    a.step(msg('b', 'a', 3, appendEntries(1, 1, [noop(2, 2)], 1)), 1)
    const rd = take(a)
    expect(rd.entries).toEqual([])
    expect(a.status().lastIndex).toBe(4)
    expect(a.entries(1, 4).map(e => e.term)).toEqual([1, 2, 2, 3])
    expect(rd.messages).toEqual([msg('a', 'b', 3, appendOk(2, 4))])
  })

  test('follower commit = min(leaderCommit, index of last new entry)', () => {
    // The leader's commit is beyond what this message carries: commit only what it carries.
    const a = newCore('a')
    take(a)
    a.step(msg('b', 'a', 2, appendEntries(1, 1, [noop(2, 2), noop(3, 2)], 10)), 1)
    let rd = take(a)
    expect(a.status().commitIndex).toBe(3)
    expect(rd.committed.map(e => e.index)).toEqual([2, 3])
    expect(rd.hardState).toMatchObject({ commitIndex: 3 })

    const b = newCore('b')
    take(b)
    b.step(msg('a', 'b', 2, appendEntries(1, 1, [noop(2, 2), noop(3, 2)], 2)), 1)
    rd = take(b)
    expect(b.status().commitIndex).toBe(2)
    expect(rd.committed.map(e => e.index)).toEqual([2])

    // A follower with a longer (stale) log: entries past the last new one may differ from the host's.
    const c = newCore('c', {}, durableWith([2, 2], { term: 2 }))
    take(c)
    c.step(msg('a', 'c', 3, appendEntries(1, 1, [noop(2, 2)], 3)), 1)
    rd = take(c)
    expect(c.status()).toMatchObject({ commitIndex: 2, lastIndex: 3 })
    expect(rd.committed.map(e => e.index)).toEqual([2])
  })

  test('a heartbeat advances the follower commit to min(commit, last index) and never beyond its log', () => {
    const a = newCore('a', {}, durableWith([2, 2], { term: 2 }))
    take(a)
    a.step(msg('b', 'a', 2, heartbeat(2)), 1)
    expect(take(a).committed.map(e => e.index)).toEqual([2])
    a.step(msg('b', 'a', 2, heartbeat(9)), 2)
    take(a)
    expect(a.status().commitIndex).toBe(3)
  })

  test('an AppendEntries older than the follower commit leaves committed entries alone and acknowledges the commit', () => {
    const a = newCore('a', {}, durableWith([2, 2], { term: 2, commitIndex: 3 }))
    take(a)
    // A delayed message of the term-3 host that starts inside the committed prefix.
    a.step(msg('b', 'a', 3, appendEntries(1, 1, [noop(2, 2), noop(3, 2)], 1)), 1)
    const rd = take(a)
    expect(rd.entries).toEqual([])
    expect(rd.messages).toEqual([msg('a', 'b', 3, appendOk(3))])
    expect(a.entries(1, 3).map(e => e.term)).toEqual([1, 2, 2])
    expect(a.status().commitIndex).toBe(3)
  })

  test('the host backs up past a rejected prefix using the conflict hint and then replicates', () => {
    // Host log 1:t1, 2:t2, 3:t2, then its no-op 4:t4. The follower b holds only the config entry.
    const a = newCore('a', {}, durableWith([2, 2], { term: 3 }))
    elect(a)
    a.step(msg('b', 'a', 4, { appendResponse: { success: false, matchIndex: 0, conflictIndex: 1, conflictTerm: 1, lastLogIndex: 1, rejectedPrevIndex: 3 } }), 1)
    const rd = take(a)
    expect(appendsTo(rd, 'b')).toEqual([expect.objectContaining({ prevLogIndex: 1, prevLogTerm: 1 })])
    expect(appendsTo(rd, 'b')[0].entries.map(e => e.index)).toEqual([2, 3, 4])
  })
})

// -------------------------------------------------------------------------------------------------
// §5.4.2 Committing entries from previous terms

describe('§5.4.2 committing entries from previous terms', () => {
  /** a holds 1:t1 and an uncommitted 2:t2 (a submission from c); b holds only 1:t1. */
  function oldTermLeader (bugs: Overrides['bugs'] = new Set()): { a: RaftCore, won: Ready } {
    const boot = RaftCore.bootstrap(VOTERS)
    const durable: DurableState = { hardState: { term: 2, vote: '', commitIndex: 1, lastSeq: 0 }, entries: [...boot.entries, subEntry(2, 2, 'c', 1)], outbox: [] }
    const a = newCore('a', { bugs, limits: limits({ maxBatchEntries: 1 }) }, durable)
    const won = elect(a)
    return { a, won }
  }

  /** b rejects the first append (it lacks index 2), then receives and acknowledges entry 2 alone. */
  function replicateOldEntryToB (a: RaftCore): void {
    a.step(msg('b', 'a', 3, { appendResponse: { success: false, matchIndex: 0, conflictIndex: 1, conflictTerm: 1, lastLogIndex: 1, rejectedPrevIndex: 2 } }), 1)
    const rd = take(a)
    const sent = appendsTo(rd, 'b')
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ prevLogIndex: 1, prevLogTerm: 1 })
    expect(sent[0].entries.map(e => [e.index, e.term])).toEqual([[2, 2]])
    a.step(msg('b', 'a', 3, appendOk(2)), 2)
  }

  test('a new leader appends a no-op of its term on election', () => {
    const { a, won } = oldTermLeader()
    expect(won.entries).toEqual([expect.objectContaining({ index: 3, term: 3, type: EntryType.ENTRY_NOOP })])
    expect(a.status()).toMatchObject({ lastIndex: 3, lastTerm: 3, commitIndex: 1 })
    expect(appendsTo(won, 'b')[0].entries.map(e => e.index)).toEqual([3])
  })

  test('a leader does not commit an entry of an earlier term by counting replicas', () => {
    const { a } = oldTermLeader()
    replicateOldEntryToB(a)
    const rd = take(a)
    // Entry 2 (term 2) is on a and b, a majority, yet it is not committed.
    expect(a.progressOf('b')?.match).toBe(2)
    expect(a.status().commitIndex).toBe(1)
    expect(rd.committed).toEqual([])
    // Once the no-op of the current term is on a majority, both commit.
    a.step(msg('b', 'a', 3, appendOk(3)), 3)
    const after = take(a)
    expect(a.status().commitIndex).toBe(3)
    expect(after.committed.map(e => e.index)).toEqual([2, 3])
  })

  test("with bug knob 'commit-old-term-by-count' the earlier-term entry commits by counting (the knob works)", () => {
    const { a } = oldTermLeader(new Set(['commit-old-term-by-count']))
    replicateOldEntryToB(a)
    const rd = take(a)
    expect(a.status().commitIndex).toBe(2)
    expect(rd.committed.map(e => e.index)).toEqual([2])
  })
})

// -------------------------------------------------------------------------------------------------
// Thesis §9.6 PreVote, and the host lease (CheckQuorum)

describe('§9.6 PreVote and the host lease', () => {
  test('a pre-vote does not change the voter\'s term or vote', () => {
    const a = newCore('a')
    take(a)
    a.step(msg('b', 'a', 2, requestVote(1, 1, true)), 1)
    const rd = take(a)
    expect(rd.messages).toEqual([msg('a', 'b', 2, voteResponse(true, true))])
    expect(rd.hardState).toBeUndefined()
    expect(a.status()).toMatchObject({ term: 1, vote: '' })
    // The pre-vote promised nothing: a real vote for another candidate of that term is still possible.
    a.step(msg('c', 'a', 2, requestVote(1, 1)), 2)
    expect(take(a).messages).toEqual([msg('a', 'c', 2, voteResponse(true))])
  })

  test('an isolated member only pre-campaigns, so its term does not grow', () => {
    const c = followerOf('c', 'a', 2)
    let now = 0
    for (let round = 0; round < 10; round++) {
      now = c.nextDeadline()
      c.tick(now)
      const rd = take(c)
      // Every campaign of the isolated member is a pre-vote for term 3; nobody answers.
      for (const m of rd.messages) expect(m).toMatchObject({ term: 3, requestVote: { preVote: true } })
    }
    expect(c.status()).toMatchObject({ role: 'preCandidate', term: 2 })
  })

  test('a member returning from a partition with a higher pre-vote does not depose a healthy leader', () => {
    // b follows host a (term 2) and heard from it 50 ms ago; the host is a itself too.
    const b = followerOf('b', 'a', 2, 0)
    const a = leaderA()
    const beforeB = b.status()
    const beforeA = a.status()
    for (const [core, now] of [[b, 50], [a, 5]] as const) {
      core.step(msg('c', core.id, 3, requestVote(1, 1, true)), now)
      const rd = take(core)
      expect(reasons(rd)).toEqual(['in-lease'])
      expect(rd.messages).toEqual([])
    }
    expect(b.status()).toEqual(beforeB)
    expect(a.status()).toEqual(beforeA)
  })

  test("voters in lease ignore RequestVote of a higher term (reason 'in-lease'), even without pre-vote", () => {
    const b = followerOf('b', 'a', 2, 0)
    // The lease lasts T − HB after the last contact: one heartbeat shorter than the election timeout.
    b.step(msg('c', 'b', 7, requestVote(5, 2)), T - HB - 1)
    const rd = take(b)
    expect(reasons(rd)).toEqual(['in-lease'])
    expect(rd.hardState).toBeUndefined()
    expect(b.status()).toMatchObject({ term: 2, vote: '', leader: 'a' })
  })

  test('voters in lease honour RequestVote with transfer=true', () => {
    const b = followerOf('b', 'a', 2, 0)
    b.step(msg('c', 'b', 3, requestVote(1, 1, false, true)), 10)
    const rd = take(b)
    expect(reasons(rd)).toEqual([])
    expect(rd.messages).toEqual([msg('b', 'c', 3, voteResponse(true))])
    expect(b.status()).toMatchObject({ term: 3, vote: 'c' })
  })

  test('once the lease expired, a pre-vote is granted (still without changing the term)', () => {
    const b = followerOf('b', 'a', 2, 0)
    // A backup that heard the host's last heartbeat up to HB earlier campaigns at T after its own
    // contact: the lease has ended by then.
    b.step(msg('c', 'b', 3, requestVote(1, 1, true)), T - HB)
    const rd = take(b)
    expect(rd.messages).toEqual([msg('b', 'c', 3, voteResponse(true, true))])
    expect(b.status()).toMatchObject({ term: 2, leader: 'a' })
  })

  test('a voter that refuses a pre-vote only because the candidate lacks its last entries sends them along; the candidate takes them and asks again', () => {
    // b holds 3@2, which the crashed host of term 2 sent it but not c.
    const b = newCore('b', {}, durableWith([2, 2]))
    take(b)
    b.step(msg('c', 'b', 3, requestVote(2, 2, true)), 1)
    const refusal = take(b).messages
    expect(refusal).toEqual([msg('b', 'c', 2, { voteResponse: { granted: false, preVote: true, tail: { prevLogIndex: 2, prevLogTerm: 2, entries: [noop(3, 2)] } } })])
    expect(b.status()).toMatchObject({ term: 2, vote: '' })

    const c = newCore('c', {}, durableWith([2]))
    take(c)
    c.campaign(false)
    expect(take(c).messages).toEqual(['a', 'b'].map(v => msg('c', v, 3, requestVote(2, 2, true))))
    c.step(refusal[0] as RaftMessage, 2)
    const rd = take(c)
    // Stored before the new requests go out (the driver persists a Ready before sending it).
    expect(rd.entries).toEqual([noop(3, 2)])
    expect(rd.messages).toEqual(['a', 'b'].map(v => msg('c', v, 3, requestVote(3, 2, true))))
    expect(c.status()).toMatchObject({ role: 'preCandidate', term: 2, lastIndex: 3 })
    // b's refusal of the old log is not counted against the new round; b now grants.
    b.step(msg('c', 'b', 3, requestVote(3, 2, true)), 3)
    c.step(take(b).messages[0] as RaftMessage, 3)
    expect(c.status()).toMatchObject({ role: 'candidate', term: 3 })
  })

  test('no log tail with a refusal unless the candidate\'s log is a prefix of the voter\'s, and only for pre-votes', () => {
    // b: 2@2 3@3. c's last entry 3@2 differs: its log is not a prefix of b's.
    const b = newCore('b', {}, durableWith([2, 3]))
    take(b)
    b.step(msg('c', 'b', 4, requestVote(3, 2, true)), 1)
    expect(take(b).messages).toEqual([msg('b', 'c', 3, voteResponse(false, true))])
    // A real vote refused for the log: no tail either.
    b.step(msg('c', 'b', 4, requestVote(2, 2)), 2)
    expect(take(b).messages).toEqual([msg('b', 'c', 4, voteResponse(false))])
  })

  test('a log tail for a log the candidate no longer has is ignored; a tail on a grant is malformed', () => {
    const c = newCore('c', {}, durableWith([2, 2]))
    take(c)
    c.campaign(false)
    take(c)
    const stale = msg('b', 'c', 2, { voteResponse: { granted: false, preVote: true, tail: { prevLogIndex: 2, prevLogTerm: 2, entries: [noop(3, 2)] } } })
    c.step(stale, 1)
    c.step(msg('a', 'c', 2, voteResponse(false, true)), 1)
    let rd = take(c)
    // Only a's refusal counted: one of three, no quorum of refusals; nothing appended.
    expect(rd.entries).toEqual([])
    expect(c.status()).toMatchObject({ role: 'preCandidate', lastIndex: 3 })
    c.step(msg('b', 'c', 3, { voteResponse: { granted: true, preVote: true, tail: { prevLogIndex: 3, prevLogTerm: 2, entries: [] } } }), 2)
    rd = take(c)
    expect(reasons(rd)).toEqual(['malformed'])
    expect(c.status()).toMatchObject({ role: 'preCandidate' })
  })

  test('CheckQuorum: a leader that hears from no majority within an election timeout steps down', () => {
    const a = leaderA()
    let now = 0
    let stepDown = -1
    while (now < 3 * T) {
      now += HB
      a.tick(now)
      const rd = take(a)
      if (rd.events.some(e => e.type === 'role' && e.role === 'follower')) { stepDown = now; break }
    }
    // b acknowledged during the first round; the second round without contact deposes the host.
    expect(stepDown).toBe(2 * T)
    expect(a.status()).toMatchObject({ role: 'follower', term: 2, leader: null })
  })

  test('CheckQuorum: a leader that keeps hearing from one follower (a majority with itself) stays', () => {
    const a = leaderA()
    for (let now = HB; now <= 10 * T; now += HB) {
      a.tick(now)
      const rd = take(a)
      const probe = to(rd, 'b').find(m => m.heartbeat != null)?.heartbeat?.probe
      if (probe != null) a.step(msg('b', 'a', 2, { heartbeatResponse: { probe, lastLogIndex: 2, rtts: [], deliveredIndex: 0 } }), now + 1)
    }
    expect(a.status()).toMatchObject({ role: 'leader', term: 2 })
  })

  test('without checkQuorum there is no lease: a higher-term RequestVote is honoured', () => {
    const b = followerOf('b', 'a', 2, 0, { checkQuorum: false })
    b.step(msg('c', 'b', 3, requestVote(1, 1)), 1)
    expect(take(b).messages).toEqual([msg('b', 'c', 3, voteResponse(true))])
  })
})

// -------------------------------------------------------------------------------------------------
// Thesis §3.10 Leadership transfer

describe('§3.10 leadership transfer', () => {
  test('the leader sends TimeoutNow at once when the target is caught up', () => {
    const a = leaderA()
    expect(a.transferLeadership(1, 'b')).toBe(true)
    const rd = take(a)
    expect(rd.events).toContainEqual({ type: 'transfer', state: 'started', target: 'b' })
    expect(rd.messages).toEqual([msg('a', 'b', 2, { timeoutNow: {} })])
    expect(a.status().transferTarget).toBe('b')
  })

  test('the leader sends TimeoutNow only once the target\'s match equals its last index', () => {
    const a = leaderA()
    expect(a.progressOf('c')?.match).toBe(0)
    expect(a.transferLeadership(1, 'c')).toBe(true)
    let rd = take(a)
    expect(rd.messages.some(m => m.timeoutNow != null)).toBe(false)
    a.step(msg('c', 'a', 2, appendOk(1)), 2)
    rd = take(a)
    expect(rd.messages.some(m => m.timeoutNow != null)).toBe(false)
    a.step(msg('c', 'a', 2, appendOk(2)), 3)
    rd = take(a)
    expect(to(rd, 'c').filter(m => m.timeoutNow != null)).toHaveLength(1)
  })

  test('the target campaigns immediately with transfer=true, skipping pre-vote and its timeout', () => {
    const b = followerOf('b', 'a', 2, 0)
    b.step(msg('a', 'b', 2, { timeoutNow: {} }), 1)
    const rd = take(b)
    expect(b.status()).toMatchObject({ role: 'candidate', term: 3, vote: 'b' })
    expect(rd.messages).toEqual([
      msg('b', 'a', 3, requestVote(1, 1, false, true)),
      msg('b', 'c', 3, requestVote(1, 1, false, true))
    ])
  })

  test('voters hand their pending submissions to a handover target with their vote; it appends them right after its no-op', () => {
    // c has a submission pending (its host a is being replaced); b is the handover target.
    const c = followerOf('c', 'a', 2, 0)
    expect(c.propose(new TextEncoder().encode('during the handover'), 1)).toMatchObject({ ok: true, seq: 1 })
    take(c)
    const b = followerOf('b', 'a', 2, 0)
    b.step(msg('a', 'b', 2, { timeoutNow: {} }), 2)
    take(b)
    c.step(msg('b', 'c', 3, requestVote(1, 1, false, true)), 3)
    const vote = take(c)
    expect(to(vote, 'b').map(m => Object.keys(m).filter(k => !['term', 'from', 'to'].includes(k) && (m as any)[k] != null))).toEqual([['voteResponse'], ['submit']])
    // The candidate holds the forwarded submission; the vote makes it host.
    for (const m of to(vote, 'b')) b.step(m, 4)
    const won = take(b)
    expect(b.status()).toMatchObject({ role: 'leader', term: 3 })
    expect(won.entries.map(e => [e.index, e.type, e.submission?.sender ?? null])).toEqual([[2, EntryType.ENTRY_NOOP, null], [3, EntryType.ENTRY_SUBMISSION, 'c']])
    // A plain (non-transfer) vote forwards nothing.
    const d = followerOf('c', 'a', 2, 0)
    d.propose(new TextEncoder().encode('x'), 1)
    take(d)
    d.step(msg('b', 'c', 3, requestVote(1, 1)), 3000)
    expect(to(take(d), 'b').filter(m => m.submit != null)).toEqual([])
  })

  test("TimeoutNow from a member that is not the host is refused ('not-host')", () => {
    const b = followerOf('b', 'a', 2, 0)
    b.step(msg('c', 'b', 2, { timeoutNow: {} }), 1)
    const rd = take(b)
    expect(reasons(rd)).toEqual(['not-host'])
    expect(rd.messages).toEqual([])
    expect(b.status()).toMatchObject({ role: 'follower', term: 2, leader: 'a' })
  })

  test('a learner or non-voter ignores TimeoutNow', () => {
    const d = newCore('d', {}, undefined)
    d.step(msg('a', 'd', 2, { timeoutNow: {} }), 1)
    take(d)
    expect(d.status()).toMatchObject({ role: 'follower', term: 2 })
  })

  test("submissions and configuration changes are refused during a transfer ('transfer-in-progress')", () => {
    const a = leaderA()
    a.transferLeadership(1, 'c') // c lags, so the transfer stays in progress
    take(a)
    const before = a.status()
    a.step(msg('b', 'a', 0, { submit: { submissions: [sub('b', 1)] } }), 2)
    const rd = take(a)
    expect(reasons(rd)).toEqual(['transfer-in-progress'])
    expect(rd.entries).toEqual([])
    expect(a.status()).toEqual(before)
    expect(a.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'd', 3)).toEqual({ ok: false, reason: 'transfer-in-progress', leader: 'a' })
    // The host's own proposals wait in its outbox.
    expect(a.propose(new Uint8Array([1]), 4)).toEqual({ ok: true, seq: 1 })
    expect(take(a).entries).toEqual([])
    expect(a.pendingSubmissions().map(s => s.seq)).toEqual([1])
  })

  test('a transfer that does not complete within an election timeout is aborted and submissions flow again', () => {
    const a = leaderA()
    a.transferLeadership(0, 'c')
    take(a)
    let aborted = false
    for (let now = HB; now <= T && !aborted; now += HB) {
      a.step(msg('b', 'a', 2, { heartbeatResponse: { probe: 1, lastLogIndex: 2, rtts: [], deliveredIndex: 0 } }), now)
      a.tick(now)
      aborted = take(a).events.some(e => e.type === 'transfer' && e.state === 'aborted')
    }
    expect(aborted).toBe(true)
    expect(a.status()).toMatchObject({ role: 'leader', transferTarget: null })
    a.step(msg('b', 'a', 0, { submit: { submissions: [sub('b', 1)] } }), T + 1)
    expect(take(a).entries.map(e => e.submission?.seq)).toEqual([1])
  })
})

// -------------------------------------------------------------------------------------------------
// Flow control

describe('flow control', () => {
  test('with maxInflight=2 a leader has at most 2 un-acked AppendEntries with entries to a silent follower', () => {
    const a = leaderA({ limits: limits({ maxInflight: 2, maxBatchEntries: 1 }) })
    expect(a.progressOf('b')).toMatchObject({ state: 'replicate', match: 2, inflight: 0 })
    for (let i = 0; i < 6; i++) a.propose(new Uint8Array([i]), 1)
    let sent = appendsTo(take(a), 'b').filter(ae => ae.entries.length > 0)
    expect(sent.map(ae => ae.entries.map(e => e.index))).toEqual([[3], [4]])
    expect(a.progressOf('b')?.inflight).toBe(2)

    // Heartbeats go on, but no further batch while b stays silent.
    for (let now = HB; now < T; now += HB) {
      a.tick(now)
      sent = appendsTo(take(a), 'b').filter(ae => ae.entries.length > 0)
      expect(sent).toEqual([])
    }
    // One acknowledgement opens one slot.
    a.step(msg('b', 'a', 2, appendOk(3)), T - 1)
    sent = appendsTo(take(a), 'b').filter(ae => ae.entries.length > 0)
    expect(sent.map(ae => ae.entries.map(e => e.index))).toEqual([[5]])
    expect(a.progressOf('b')?.inflight).toBe(2)
    // Two acknowledgements at once open two.
    a.step(msg('b', 'a', 2, appendOk(5)), T - 1)
    sent = appendsTo(take(a), 'b').filter(ae => ae.entries.length > 0)
    expect(sent.map(ae => ae.entries.map(e => e.index))).toEqual([[6], [7]])
  })

  test('a follower in probe state gets one AppendEntries at a time', () => {
    const a = leaderA({ limits: limits({ maxInflight: 4, maxBatchEntries: 1 }) })
    expect(a.progressOf('c')).toMatchObject({ state: 'probe', match: 0 })
    for (let i = 0; i < 5; i++) a.propose(new Uint8Array([i]), 1)
    expect(appendsTo(take(a), 'c')).toEqual([])
  })

  test('batches respect maxBatchEntries', () => {
    const a = leaderA({ limits: limits({ maxBatchEntries: 3 }) })
    for (let i = 0; i < 10; i++) a.propose(new Uint8Array([i]), 1)
    const sent = appendsTo(take(a), 'b').filter(ae => ae.entries.length > 0)
    expect(sent.map(ae => ae.entries.length)).toEqual([3, 3, 3, 1])
    expect(sent.flatMap(ae => ae.entries.map(e => e.index))).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    for (const ae of sent) expect(ae.prevLogIndex).toBe(ae.entries[0].index - 1)
  })

  test('batches respect maxBatchBytes but always carry at least one entry', () => {
    const a = leaderA({ limits: limits({ maxBatchBytes: 10, maxPayloadBytes: 64 }) })
    for (let i = 0; i < 3; i++) a.propose(new Uint8Array(4), 1)
    a.propose(new Uint8Array(20), 1)
    const sent = appendsTo(take(a), 'b').filter(ae => ae.entries.length > 0)
    expect(sent.map(ae => ae.entries.map(e => e.submission?.payload.byteLength))).toEqual([[4, 4], [4], [20]])
  })
})

// -------------------------------------------------------------------------------------------------
// Thesis §4.1 membership changes

describe('§4.1 membership changes', () => {
  function electedNet (overrides: Overrides = {}): Net {
    const net = new Net([...VOTERS.map(id => newCore(id, overrides)), newCore('d', overrides, undefined)])
    net.core('a').campaign(false)
    net.flush()
    expect(net.core('a').status()).toMatchObject({ role: 'leader', commitIndex: 2 })
    return net
  }

  test('add learner -> the learner gets replicated -> it is promoted to voter once caught up', () => {
    const net = electedNet()
    const a = net.core('a')
    expect(a.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'd', 0)).toEqual({ ok: true })
    net.flush()
    net.run(5 * HB)
    const configs = a.entries(1, a.status().lastIndex).filter(e => e.type === EntryType.ENTRY_CONFIG).map(e => e.config)
    expect(configs).toEqual([
      { voters: ['a', 'b', 'c'], learners: [] },
      { voters: ['a', 'b', 'c'], learners: ['d'] },
      { voters: ['a', 'b', 'c', 'd'], learners: [] }
    ])
    const d = net.core('d')
    expect(d.status()).toMatchObject({ lastIndex: a.status().lastIndex, commitIndex: a.status().commitIndex, config: { voters: ['a', 'b', 'c', 'd'], learners: [] } })
    expect(a.status().commitIndex).toBe(a.status().lastIndex)
    expect(Number.isFinite(d.nextDeadline())).toBe(true) // a voter now: it has an election timer
  })

  test('a learner replicates the log but neither campaigns nor counts for commit', () => {
    const net = electedNet({ autoPromote: false })
    const a = net.core('a')
    a.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'd', 0)
    net.flush()
    net.run(5 * HB)
    const d = net.core('d')
    expect(d.status()).toMatchObject({ lastIndex: a.status().lastIndex, config: { learners: ['d'] } })
    expect(d.nextDeadline()).toBe(Number.POSITIVE_INFINITY)
    d.campaign(false)
    expect(d.status().role).toBe('follower')

    // With b and c down, a and the learner d are no majority of {a, b, c}.
    net.down.add('b')
    net.down.add('c')
    a.propose(new Uint8Array([1]), net.now)
    net.flush()
    expect(d.status().lastIndex).toBe(a.status().lastIndex)
    expect(a.status().commitIndex).toBe(a.status().lastIndex - 1)
  })

  test("only one configuration change is in flight: a second one returns 'config-change-in-flight'", () => {
    const net = electedNet()
    const a = net.core('a')
    expect(a.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'd', 0)).toEqual({ ok: true })
    expect(a.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'e', 0)).toEqual({ ok: false, reason: 'config-change-in-flight', leader: 'a' })
    expect(a.proposeConfigChange(ConfigChangeType.REMOVE, 'c', 0)).toEqual({ ok: false, reason: 'config-change-in-flight', leader: 'a' })
    net.flush()
    net.run(5 * HB)
    // Committed (and d promoted): the next change is accepted.
    expect(a.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'e', net.now)).toEqual({ ok: true })
  })

  test('a host that removes itself steps down once the removal commits; the remaining voters elect a successor', () => {
    const net = new Net(VOTERS.map(id => newCore(id)))
    const a = net.core('a')
    a.campaign(false)
    net.flush()
    expect(a.proposeConfigChange(ConfigChangeType.REMOVE, 'a', net.now)).toEqual({ ok: true })
    net.flush()
    // The removal needs both remaining voters (the host no longer counts itself), then it leaves.
    expect(a.status()).toMatchObject({ role: 'follower', config: { voters: ['b', 'c'], learners: [] } })
    expect(a.status().commitIndex).toBe(a.status().configIndex)
    expect(a.nextDeadline()).toBe(Number.POSITIVE_INFINITY)
    net.run(3 * T)
    const leaders = ['b', 'c'].filter(id => net.core(id).status().role === 'leader')
    expect(leaders).toHaveLength(1)
    const host = net.core(leaders[0])
    expect(host.status().term).toBe(3)
    expect(host.status().commitIndex).toBe(host.status().lastIndex)
    expect(a.status().role).toBe('follower')
  })

  test('a single-member room elects itself at once and commits its own proposals alone', () => {
    const a = newCore('a', {}, RaftCore.bootstrap(['a']))
    a.campaign(false)
    expect(a.status()).toMatchObject({ role: 'leader', term: 2, commitIndex: 2 })
    take(a)
    expect(a.propose(new Uint8Array([1]), 1)).toEqual({ ok: true, seq: 1 })
    const rd = take(a)
    expect(rd.committed.map(e => e.submission?.seq)).toEqual([1])
    expect(rd.outboxCommittedThrough).toBe(1)
    expect(a.pendingSubmissions()).toEqual([])
  })

  test('a new host makes no configuration change before an entry of its term committed', () => {
    const a = newCore('a')
    elect(a)
    expect(a.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'd', 0)).toEqual({ ok: false, reason: 'config-change-in-flight', leader: 'a' })
  })

  test('invalid configuration changes are refused', () => {
    const a = leaderA()
    expect(a.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'b', 1)).toMatchObject({ ok: false, reason: 'config-invalid' })
    expect(a.proposeConfigChange(ConfigChangeType.PROMOTE, 'z', 1)).toMatchObject({ ok: false, reason: 'config-invalid' })
    expect(a.proposeConfigChange(ConfigChangeType.REMOVE, 'z', 1)).toMatchObject({ ok: false, reason: 'config-invalid' })
    expect(take(a).entries).toEqual([])
  })

  test('a configuration change off the host is forwarded to the host', () => {
    const b = followerOf('b', 'a', 2)
    expect(b.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'd', 1)).toEqual({ ok: true })
    expect(take(b).messages).toEqual([msg('b', 'a', 0, { configRequest: { type: ConfigChangeType.ADD_LEARNER, peerId: 'd' } })])
    expect(newCore('c').proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'd', 1)).toEqual({ ok: false, reason: 'not-host', leader: null })
  })
})

// -------------------------------------------------------------------------------------------------
// Submissions: dedup, per-sender FIFO, outbox

describe('submissions: exactly once, per-sender FIFO, durable outbox', () => {
  const submit = (from: string, ...submissions: Submission[]): RaftMessage => msg(from, 'a', 0, { submit: { submissions } })
  const appended = (rd: Ready): string[] => rd.entries.map(e => `${e.index}:${e.submission?.sender}#${e.submission?.seq}`)

  test('the leader appends (sender, seq) once even if the Submit is delivered twice', () => {
    const a = leaderA()
    a.step(submit('b', sub('b', 1)), 1)
    expect(appended(take(a))).toEqual(['3:b#1'])
    a.step(submit('b', sub('b', 1)), 2)
    expect(take(a).entries).toEqual([])
    a.step(submit('b', sub('b', 1), sub('b', 2)), 3)
    expect(appended(take(a))).toEqual(['4:b#2'])
  })

  test('dedup survives a change of host: the log is the dedup state', () => {
    // b's submission #1 is already in the log the new host inherits.
    const boot = RaftCore.bootstrap(VOTERS)
    const durable: DurableState = { hardState: { term: 2, vote: '', commitIndex: 2, lastSeq: 0 }, entries: [...boot.entries, subEntry(2, 2, 'b', 1)], outbox: [] }
    const a = newCore('a', {}, durable)
    elect(a)
    a.step(submit('b', sub('b', 1), sub('b', 2)), 1)
    expect(appended(take(a))).toEqual(['4:b#2'])
  })

  test("with bug knob 'no-submission-dedup' the duplicate is appended again (the knob works)", () => {
    const a = leaderA({ bugs: new Set(['no-submission-dedup']) })
    a.step(submit('b', sub('b', 1)), 1)
    take(a)
    a.step(submit('b', sub('b', 1)), 2)
    expect(appended(take(a))).toEqual(['4:b#1'])
  })

  test('a gap waits until it is filled (per-sender FIFO)', () => {
    const a = leaderA()
    a.step(submit('b', sub('b', 2), sub('b', 3)), 1)
    let rd = take(a)
    expect(rd.entries).toEqual([])
    // Another sender is not held up by b's gap.
    a.step(submit('c', sub('c', 1)), 2)
    expect(appended(take(a))).toEqual(['3:c#1'])
    a.step(submit('b', sub('b', 1)), 3)
    rd = take(a)
    expect(appended(rd)).toEqual(['4:b#1', '5:b#2', '6:b#3'])
  })

  test("a seq too far ahead of the expected one is refused ('seq-gap')", () => {
    const a = leaderA({ limits: limits({ maxSubmitBatch: 2 }) })
    a.step(submit('b', sub('b', 1 + 8)), 1)
    const rd = take(a)
    expect(reasons(rd)).toEqual(['seq-gap'])
    expect(rd.entries).toEqual([])
  })

  test('propose() on a follower sends Submit to the known host and stores it in the outbox', () => {
    const b = followerOf('b', 'a', 2)
    const payload = new TextEncoder().encode('hello')
    expect(b.propose(payload, 5)).toEqual({ ok: true, seq: 1 })
    const rd = take(b)
    const submission = { sender: 'b', seq: 1, payload, sentAt: 5, signature: EMPTY }
    expect(rd.outboxAppend).toEqual([submission])
    expect(rd.hardState).toMatchObject({ lastSeq: 1 })
    expect(rd.messages).toEqual([msg('b', 'a', 0, { submit: { submissions: [submission] } })])
    expect(b.pendingSubmissions()).toEqual([submission])
    expect(b.status().outbox).toBe(1)

    // The host sequences it and commits it: the outbox entry can be dropped.
    b.step(msg('a', 'b', 2, appendEntries(1, 1, [noop(2, 2), { ...subEntry(3, 2, 'b', 1), submission }], 3)), 6)
    const after = take(b)
    expect(after.events).toContainEqual({ type: 'sequenced', seq: 1, index: 3, term: 2 })
    expect(after.outboxCommittedThrough).toBe(1)
    expect(after.committed.map(e => e.index)).toEqual([2, 3])
    expect(b.pendingSubmissions()).toEqual([])
  })

  test('a proposal with no known host waits in the outbox and is sent when a host appears', () => {
    const b = newCore('b')
    b.propose(new Uint8Array([1]), 1)
    b.propose(new Uint8Array([2]), 1)
    let rd = take(b)
    expect(rd.messages).toEqual([])
    expect(rd.outboxAppend.map(s => s.seq)).toEqual([1, 2])
    b.step(msg('c', 'b', 2, heartbeat()), 2)
    rd = take(b)
    expect(to(rd, 'c').flatMap(m => m.submit?.submissions.map(s => s.seq) ?? [])).toEqual([1, 2])
  })

  test('a sequenced but uncommitted submission is sent again if a truncation removes it', () => {
    const b = followerOf('b', 'a', 2)
    b.propose(new Uint8Array([1]), 1)
    take(b)
    b.step(msg('a', 'b', 2, appendEntries(1, 1, [subEntry(2, 2, 'b', 1)], 1)), 2)
    take(b)
    // A new host of term 3 overwrites index 2.
    b.step(msg('c', 'b', 3, appendEntries(1, 1, [noop(2, 3)], 2)), 3)
    const rd = take(b)
    expect(to(rd, 'c').flatMap(m => m.submit?.submissions.map(s => s.seq) ?? [])).toEqual([1])
    expect(b.pendingSubmissions().map(s => s.seq)).toEqual([1])
  })

  test('propose() refuses oversize payloads and a full outbox', () => {
    const b = newCore('b', { limits: limits({ maxPayloadBytes: 4, maxOutbox: 2 }) })
    expect(b.propose(new Uint8Array(5), 1)).toEqual({ ok: false, reason: 'oversize-payload' })
    expect(b.propose(new Uint8Array(4), 1)).toEqual({ ok: true, seq: 1 })
    expect(b.propose(new Uint8Array(4), 1)).toEqual({ ok: true, seq: 2 })
    expect(b.propose(new Uint8Array(4), 1)).toEqual({ ok: false, reason: 'outbox-full' })
  })
})

// -------------------------------------------------------------------------------------------------
// Restart from durable state

describe('restart from DurableState', () => {
  test('a restarted member resumes term, vote, log and commit, and never reuses a seq', () => {
    const disk = new Disk(RaftCore.bootstrap(VOTERS))
    const b = newCore('b')
    b.step(msg('a', 'b', 2, requestVote(1, 1)), 0)
    disk.persist(take(b))
    b.step(msg('a', 'b', 2, appendEntries(1, 1, [noop(2, 2)], 2)), 1)
    disk.persist(take(b))
    for (let i = 0; i < 3; i++) b.propose(new Uint8Array([i]), 2)
    disk.persist(take(b))
    // The host commits #1 only.
    b.step(msg('a', 'b', 2, appendEntries(2, 2, [subEntry(3, 2, 'b', 1)], 3)), 3)
    disk.persist(take(b))
    expect(disk.state.outbox.map(s => s.seq)).toEqual([2, 3])

    const restarted = newCore('b', {}, disk.load(), 100)
    expect(restarted.status()).toMatchObject({ term: 2, vote: 'a', lastIndex: 3, commitIndex: 3, outbox: 2 })
    expect(restarted.entries(1, 3)).toEqual(b.entries(1, 3))
    expect(restarted.pendingSubmissions().map(s => s.seq)).toEqual([2, 3])
    expect(restarted.propose(new Uint8Array([9]), 101)).toEqual({ ok: true, seq: 4 })
    // When it hears from the host it resends everything still pending, in order.
    restarted.step(msg('a', 'b', 2, heartbeat(3)), 102)
    const rd = take(restarted)
    expect(to(rd, 'a').flatMap(m => m.submit?.submissions.map(s => s.seq) ?? [])).toEqual([2, 3, 4])
  })

  test('a seq is never reused even if the hard state lagged the outbox', () => {
    const durable: DurableState = { ...RaftCore.bootstrap(VOTERS), outbox: [sub('b', 1), sub('b', 2)] }
    expect(durable.hardState.lastSeq).toBe(0)
    const b = newCore('b', {}, durable)
    expect(b.propose(new Uint8Array([1]), 1)).toEqual({ ok: true, seq: 3 })
  })

  test('a seq is never reused even if only the log remembers it', () => {
    const boot = RaftCore.bootstrap(VOTERS)
    const durable: DurableState = { hardState: { term: 2, vote: '', commitIndex: 2, lastSeq: 0 }, entries: [...boot.entries, subEntry(2, 2, 'b', 5)], outbox: [sub('b', 4), sub('b', 5)] }
    const b = newCore('b', {}, durable)
    // Committed submissions are dropped from the outbox on restart.
    expect(b.pendingSubmissions()).toEqual([])
    expect(b.propose(new Uint8Array([1]), 1)).toEqual({ ok: true, seq: 6 })
  })

  test('entries up to `applied` are not emitted again after a restart', () => {
    const durable = { ...durableWith([2, 2], { term: 2, commitIndex: 3 }), applied: 2 }
    const b = newCore('b', {}, durable)
    expect(take(b).committed.map(e => e.index)).toEqual([3])
  })
})

// -------------------------------------------------------------------------------------------------
// Validation: every input from the network is checked before it can change state.

describe('validation of network input', () => {
  const vlimits = limits({ maxBatchEntries: 4, maxPayloadBytes: 16, maxSubmitBatch: 4, maxMembers: 5 })
  const big = new Uint8Array(17)

  function expectRefused (core: RaftCore, m: RaftMessage, reason: RejectReason): void {
    take(core)
    const before = core.status()
    const logBefore = core.entries(1, before.lastIndex)
    core.step(m, 1)
    const rd = take(core)
    expect(rd.events).toEqual([expect.objectContaining({ type: 'rejected', reason })])
    expect(rd.entries).toEqual([])
    expect(rd.hardState).toBeUndefined()
    expect(rd.messages).toEqual([])
    expect(rd.committed).toEqual([])
    expect(core.status()).toEqual(before)
    expect(core.entries(1, before.lastIndex)).toEqual(logBefore)
  }

  const followerCases: Array<[string, RejectReason, RaftMessage]> = [
    ['an envelope with no body', 'malformed', msg('b', 'a', 3, {})],
    ['an envelope with two bodies', 'malformed', msg('b', 'a', 3, { ...heartbeat(), timeoutNow: {} })],
    ['a message for another member', 'wrong-recipient', msg('b', 'z', 3, heartbeat())],
    ['a message claiming to come from the recipient', 'from-self', msg('a', 'a', 3, heartbeat())],
    ['a message with an empty sender', 'from-self', msg('', 'a', 3, heartbeat())],
    ['a batch over maxBatchEntries', 'oversize-batch', msg('b', 'a', 3, appendEntries(1, 1, [2, 3, 4, 5, 6].map(i => noop(i, 3)), 1))],
    ['entries with an index gap', 'index-gap', msg('b', 'a', 3, appendEntries(1, 1, [noop(2, 3), noop(4, 3)], 1))],
    ['entries not following prevLogIndex', 'index-gap', msg('b', 'a', 3, appendEntries(1, 1, [noop(3, 3)], 1))],
    ['an entry term above the message term', 'bad-entry-term', msg('b', 'a', 3, appendEntries(1, 1, [noop(2, 4)], 1))],
    ['entry terms going down', 'bad-entry-term', msg('b', 'a', 3, appendEntries(1, 1, [noop(2, 3), noop(3, 2)], 1))],
    ['a prevLogTerm above the message term', 'bad-entry-term', msg('b', 'a', 3, appendEntries(1, 4, [], 1))],
    ['a no-op entry with a body', 'malformed-entry', msg('b', 'a', 3, appendEntries(1, 1, [{ ...noop(2, 3), submission: sub('b', 1) }], 1))],
    ['a submission entry without a submission', 'malformed-entry', msg('b', 'a', 3, appendEntries(1, 1, [{ ...noop(2, 3), type: EntryType.ENTRY_SUBMISSION }], 1))],
    ['an entry with an oversize payload', 'oversize-payload', msg('b', 'a', 3, appendEntries(1, 1, [{ ...subEntry(2, 3, 'b', 1), submission: sub('b', 1, big) }], 1))],
    ['a configuration entry with no voters', 'malformed-entry', msg('b', 'a', 3, appendEntries(1, 1, [{ ...noop(2, 3), type: EntryType.ENTRY_CONFIG, config: { voters: [], learners: [] } }], 1))],
    ['a configuration entry over maxMembers', 'too-many-members', msg('b', 'a', 3, appendEntries(1, 1, [{ ...noop(2, 3), type: EntryType.ENTRY_CONFIG, config: { voters: ['a', 'b', 'c', 'd', 'e', 'f'], learners: [] } }], 1))],
    ['a succession list over maxMembers', 'oversize-batch', msg('b', 'a', 3, heartbeat(0, ['a', 'b', 'c', 'd', 'e', 'f']))],
    ['a Submit to a member that is not the host', 'not-host', msg('b', 'a', 0, { submit: { submissions: [sub('b', 1)] } })]
  ]

  test.each(followerCases)('a follower refuses %s and changes no state', (_what, reason, m) => {
    // a: follower of b in term 2, so even a higher-term message must not move its term.
    const a = followerOf('a', 'b', 2, 0, { limits: vlimits })
    expectRefused(a, m, reason)
  })

  const hostCases: Array<[string, RejectReason, RaftMessage]> = [
    ['a submission whose sender differs from `from`', 'sender-mismatch', msg('b', 'a', 0, { submit: { submissions: [sub('b', 1), sub('c', 1)] } })],
    ['a submission from a non-member', 'not-a-member', msg('z', 'a', 0, { submit: { submissions: [sub('z', 1)] } })],
    ['a submission with an oversize payload', 'oversize-payload', msg('b', 'a', 0, { submit: { submissions: [sub('b', 1, big)] } })],
    ['a Submit over maxSubmitBatch', 'oversize-batch', msg('b', 'a', 0, { submit: { submissions: [1, 2, 3, 4, 5].map(s => sub('b', s)) } })],
    ['a submission with seq 0', 'malformed', msg('b', 'a', 0, { submit: { submissions: [sub('b', 0)] } })],
    ['a configuration request from a non-member', 'not-a-member', msg('z', 'a', 0, { configRequest: { type: ConfigChangeType.ADD_LEARNER, peerId: 'z' } })],
    ['an rtt list over maxMembers', 'oversize-batch', msg('b', 'a', 2, { heartbeatResponse: { probe: 1, lastLogIndex: 2, rtts: ['a', 'c', 'd', 'e', 'f', 'g'].map(peerId => ({ peerId, rttMicros: 1 })), deliveredIndex: 0 } })],
    ['an acknowledgement beyond the host\'s log', 'malformed', msg('b', 'a', 2, appendOk(99))]
  ]

  test.each(hostCases)('the host refuses %s and changes no state', (_what, reason, m) => {
    const a = leaderA({ limits: vlimits })
    const progress = a.progressOf('b')
    expectRefused(a, m, reason)
    expect(a.progressOf('b')).toEqual(progress)
  })
})
