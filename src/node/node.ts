import { randomBytes, randomInt } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Ed25519PrivateKey, IdentifyResult, Libp2p, Logger } from '@libp2p/interface'
import { ConfigChangeType, EntryType } from '../../proto/raft.js'
import type { Entry, RaftMessage, SnapshotMeta, Submission } from '../../proto/raft.js'
import type { JoinResponse } from '../../proto/join.js'
import { CHECKPOINT_EVERY, encodeCheckpoint, type Checkpoint } from '../chat/checkpoint.js'
import { ChatProjection, decodeChatBody, decodeChatPayload, encodeChatBody, MAX_TEXT_BYTES, type ChatMessage } from '../chat/projection.js'
import { encodeRecords, recordEntry, StoredRecordReader } from '../chat/snapshot.js'
import { coreOptions, TIMING_PROFILES, type TimingProfile } from '../core/options.js'
import { RaftCore } from '../core/raft.js'
import { seededRng } from '../core/rng.js'
import type { CoreEvent, DurableState, Ready } from '../core/types.js'
import { createInvite, parseInvite } from '../crypto/invite.js'
import { SubmissionSigner, SubmissionVerifier } from '../crypto/submission.js'
import type { DemesService } from '../net/service.js'
import { MAX_PAGE_LIMIT, MAX_SEARCH_LIMIT, SearchQueryError } from '../store/history.js'
import type { RoomStore } from '../store/memory.js'
import { MAX_PEER_ADDRS, MemoryStorage, type Storage } from '../store/storage.js'
import { ApiError, MAX_ROOM_NAME_LENGTH, type DemesNodeApi, type MemberView, type MessageView, type NodeEvent, type NodeInfo, type OutboxItem, type RoomDetails, type RoomSummary } from './api-types.js'
import { handleJoinProtocol, requestJoin } from './join.js'
import { RoomPresence, type Presence } from './presence.js'
import { RoomDriver } from './room.js'
import { IncomingSnapshotCheck, vouchesForSnapshot } from './snapshot-check.js'
import { BatchPace } from './batch-pace.js'

const DEFAULT_INVITE_TTL_MS = 24 * 3600_000
const MAX_INVITE_TTL_MS = 30 * 24 * 3600_000
const JOIN_RETRY_MS = 1000
const JOIN_POLL_MS = 20
const JOIN_DEADLINE_MS = 60_000
const RTT_PROBE_INTERVAL_MS = 5000
const DEFAULT_SEARCH_LIMIT = 20
/**
 * A history catching up takes one batch per turn of the event loop, sized so the batch (one history
 * transaction) holds the loop for about this long (src/node/batch-pace.ts): 512 messages at first, then 64..8192.
 */
const CATCH_UP_BUDGET_MS = 20
const catchUpPace = (): BatchPace => new BatchPace({ budgetMs: CATCH_UP_BUDGET_MS, initial: 512, min: 64, max: 8192 })
/** Delivered receipts emitted per turn of the event loop (see owe()). */
const RECEIPT_BATCH = 256
/** Applied entries after the snapshot that make a room compact its log (see DemesNodeOptions.compactEvery). */
export const DEFAULT_COMPACT_EVERY = 2000
/** A voter attests a checkpoint boundary only if the committed log is less than this far past it. */
const ATTEST_WITHIN = 2 * CHECKPOINT_EVERY

export interface DemesNodeOptions {
  libp2p: Libp2p<{ demes: DemesService, pubsub: GossipSub }>
  privateKey: Ed25519PrivateKey
  name: string
  profile: TimingProfile
  logger: Logger
  /**
   * Where rooms live: each room's term, vote, log and outbox, and the members' last known addresses.
   * A node started again with the same storage resumes its rooms. Default: in memory (tests). The
   * node does not close it: whoever opened it does, after stop().
   */
  storage?: Storage
  /**
   * A room compacts its log once this many applied entries follow its snapshot: their chat records
   * are appended to the snapshot and the entries leave the log (memory and disk). Default
   * DEFAULT_COMPACT_EVERY; 0 never compacts.
   */
  compactEvery?: number
}

interface Room {
  roomId: string
  name: string
  driver: RoomDriver
  chat: ChatProjection
  /** Own submissions the host has placed in the log (seq -> index), until committed. */
  sequenced: Map<number, number>
  /** Seqs of own history checkpoints not yet applied: submissions, but not messages (no receipts). */
  attesting: Set<number>
  /** An applied configuration included this node (so a later one without it means removal). */
  wasMember: boolean
  /** Members named by the inviter when we joined: the only peers a joiner with an empty log listens to. */
  introducedBy: Set<string>
  /** Checks the records of a snapshot the host sends (form, checkpoints, signatures), chunk by chunk, before the core sees it. */
  incomingSnapshot: IncomingSnapshotCheck
  /** The room's durable store (its snapshot is read back from here, piece by piece). */
  store: RoomStore
  /**
   * The snapshot the store holds. The core's can be newer for a moment: it takes an install (or a
   * compaction) as it steps, the store only with the next Ready.
   */
  storedSnapshot: SnapshotMeta
  /** The last snapshot chunk refused and why: a host resends it every round, and it is logged once. */
  refusedSnapshot: string
  /** The last committed index handed to the node (committed entries or an installed snapshot). */
  committedThrough: number
  /**
   * Set while the history catches up from the stored snapshot and the log after it, a batch per turn
   * of the event loop (catchUpStep), so a large snapshot does not stall the node; committed entries
   * meanwhile reach the history through it, in order.
   */
  catchUp: StoredRecordReader | undefined
  /** The size of the catch-up's next batch. */
  catchUpPace: BatchPace
  /** Own messages delivered, in (after, through], whose receipts are still being emitted (owe()). */
  receiptsOwed?: { after: number, through: number }
}

/**
 * One DeMeS node: its rooms, each a RoomDriver fed by the DeMeS libp2p service, with signatures
 * checked before anything reaches a core, the chat projection, and the application interface.
 * Rooms are kept in the node's Storage: on start it resumes every stored room from its durable state.
 */
export class DemesNode implements DemesNodeApi {
  private readonly libp2p: Libp2p<{ demes: DemesService, pubsub: GossipSub }>
  private readonly privateKey: Ed25519PrivateKey
  private readonly peerId: string
  private readonly name: string
  private readonly profile: TimingProfile
  private readonly log: Logger
  private readonly rooms = new Map<string, Room>()
  private readonly verifier = new SubmissionVerifier()
  private readonly signer: SubmissionSigner
  private readonly storage: Storage
  private readonly compactEvery: number
  /** Set by stop(): background work (a history's catch-up) ends. */
  private stopped = false
  /** Addresses last written to storage per peer, so identify pushes that change nothing write nothing. */
  private readonly savedAddrs = new Map<string, string>()
  private readonly events = new EventEmitter<{ event: [NodeEvent] }>()
  private rttProbe: { stop: () => void } | undefined
  private readonly presence: RoomPresence
  /** Names members announced (presence); not part of the replicated state. */
  private readonly names = new Map<string, string>()
  private unsubscribe: (() => void) | undefined

  constructor (opts: DemesNodeOptions) {
    this.libp2p = opts.libp2p
    this.privateKey = opts.privateKey
    this.signer = new SubmissionSigner(opts.privateKey)
    this.peerId = opts.libp2p.peerId.toString()
    this.name = opts.name
    this.profile = opts.profile
    this.log = opts.logger
    this.storage = opts.storage ?? new MemoryStorage()
    this.compactEvery = opts.compactEvery ?? DEFAULT_COMPACT_EVERY
    if (!Number.isSafeInteger(this.compactEvery) || this.compactEvery < 0) throw new RangeError('compactEvery must be an integer >= 0')
    this.events.setMaxListeners(0)
    this.presence = new RoomPresence(opts.libp2p.services.pubsub, () => ({ name: this.name, addrs: this.ownAddrs() }), p => { this.onAnnouncement(p) }, this.log)
  }

  async start (): Promise<void> {
    // The members' addresses recorded before, so the resumed rooms can reach them again.
    await this.restorePeerAddrs()
    this.presence.start()
    for (const { roomId, name } of this.storage.rooms()) this.resumeRoom(roomId, name)
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.unsubscribe = this.libp2p.services.demes.onMessage((roomId, message) => { this.deliver(roomId, message) })
    await handleJoinProtocol(this.libp2p, async (request, joiner) => this.decideJoin(request.invite, joiner))
    // A member's connection coming or going changes who is shown online.
    for (const type of ['peer:connect', 'peer:disconnect'] as const) this.libp2p.addEventListener(type, this.onConnectionChange)
    this.rttProbe = this.libp2p.services.demes.startRttProbe(() => this.allPeers(), RTT_PROBE_INTERVAL_MS, (peer, micros) => {
      for (const room of this.rooms.values()) room.driver.reportRtt(peer, micros)
    })
  }

  /** Stops every room (a host hands over first), then the network handlers. */
  async stop (): Promise<void> {
    this.stopped = true
    // Every hosted room hands over at once, not one after another.
    await Promise.all([...this.rooms.values()].map(async room => { await room.driver.stop({ handover: true }) }))
    await this.recordMemberAddrs()
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.rttProbe?.stop()
    this.unsubscribe?.()
    for (const type of ['peer:connect', 'peer:disconnect'] as const) this.libp2p.removeEventListener(type, this.onConnectionChange)
    this.presence.stop()
    await this.libp2p.unhandle('/demes/join/1.0.0')
  }

  /**
   * Frees what the node keeps only to be fast: the verified-signature cache and the storage's cache.
   * For when the process goes idle (the daemon's idle collector calls it); nothing stored changes.
   */
  releaseMemory (): void {
    this.verifier.forgetVerified()
    try {
      this.storage.releaseMemory()
    } catch (err) {
      // Only a cache: a failure here costs memory, not data.
      this.log.error('could not release the storage cache: %e', err)
    }
  }

  // ----- DemesNodeApi ---------------------------------------------------------------------------

  info (): NodeInfo {
    return { peerId: this.peerId, name: this.name, addrs: this.ownAddrs() }
  }

  async createRoom (name: string): Promise<{ roomId: string }> {
    const roomName = checkRoomName(name)
    const roomId = uint8ArrayToString(randomBytes(16), 'base58btc')
    const room = this.openRoom(roomId, roomName, this.newRoomStore(roomId, roomName, RaftCore.bootstrap([this.peerId])))
    room.driver.campaign()
    return { roomId }
  }

  listRooms (): RoomSummary[] {
    return [...this.rooms.values()].map(r => ({ roomId: r.roomId, name: r.name }))
  }

  async createInvite (roomId: string, opts: { ttlMs?: number } = {}): Promise<string> {
    const room = this.room$(roomId)
    const ttl = opts.ttlMs ?? DEFAULT_INVITE_TTL_MS
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_INVITE_TTL_MS) throw new ApiError('bad-request', `invite lifetime must be 1 ms to ${MAX_INVITE_TTL_MS / 3600_000} h`)
    const addrs = this.ownAddrs().slice(0, 16)
    return createInvite(this.privateKey, { roomId, roomName: room.name, addrs, expiresAt: Date.now() + ttl }, Date.now())
  }

  async join (code: string, opts: { signal?: AbortSignal } = {}): Promise<{ roomId: string }> {
    const parsed = await parseInvite(code, Date.now())
    if (!parsed.ok) throw new ApiError('bad-request', `invalid invite: ${parsed.reason}`)
    const { invite } = parsed
    if (invite.inviter === this.peerId) throw new ApiError('bad-request', 'this invite was made by this node')
    const existing = this.rooms.get(invite.roomId)
    if (existing != null && isVoterIn(existing, this.peerId)) return { roomId: invite.roomId }
    const signal = AbortSignal.any([AbortSignal.timeout(JOIN_DEADLINE_MS), ...(opts.signal != null ? [opts.signal] : [])])
    let response: JoinResponse
    try {
      response = await requestJoin(this.libp2p, invite.inviter, invite.addrs, code, signal)
    } catch (err) {
      throw new ApiError('unavailable', `could not reach the inviter: ${(err as Error).message}`)
    }
    if (!response.accepted) throw new ApiError('conflict', `join refused: ${response.reason}`)
    // A joiner starts with an empty log: it accepts the host's log and becomes a learner, then a voter.
    const room = existing ?? this.openRoom(invite.roomId, invite.roomName, this.newRoomStore(invite.roomId, invite.roomName))
    for (const member of response.members) room.introducedBy.add(member.peerId)
    await this.dialMembers(response)
    // Until promoted, watch closely and ask again now and then: the host accepts one membership change at a time.
    let askedAt = Date.now()
    while (!isVoterIn(room, this.peerId)) {
      if (signal.aborted) throw new ApiError('unavailable', 'joined the room but was not made a voter in time')
      await sleep(JOIN_POLL_MS, signal).catch(() => {})
      if (isVoterIn(room, this.peerId) || signal.aborted || Date.now() - askedAt < JOIN_RETRY_MS) continue
      askedAt = Date.now()
      if (!room.driver.configuration().learners.includes(this.peerId)) {
        await requestJoin(this.libp2p, invite.inviter, invite.addrs, code, signal).then(async r => {
          for (const member of r.members) room.introducedBy.add(member.peerId)
          await this.dialMembers(r)
        }).catch(() => {})
      }
    }
    return { roomId: invite.roomId }
  }

  async leave (roomId: string): Promise<void> {
    const room = this.room$(roomId)
    const members = this.memberPeers(room)
    if (members.length === 1 && members[0] === this.peerId) {
      // The last member: nobody to hand the room to; it simply ends here.
      await room.driver.stop({ handover: false })
      this.rooms.delete(roomId)
      this.forgetRoom(roomId)
      return
    }
    const result = room.driver.changeMembership(ConfigChangeType.REMOVE, this.peerId)
    if (!result.ok && result.reason !== 'not-host') throw new ApiError('conflict', `cannot leave now: ${result.reason}`)
    const left = await waitFor(() => !this.rooms.has(roomId), 5000)
    await room.driver.stop({ handover: false })
    this.rooms.delete(roomId)
    this.forgetRoom(roomId)
    if (!left) this.log('left room %s before the removal was confirmed', roomId)
  }

  room (roomId: string): RoomDetails {
    const room = this.room$(roomId)
    const status = room.driver.status()
    return { roomId, name: room.name, term: status.term, host: status.leader, backups: status.succession, commitIndex: status.commitIndex, hostCommitIndex: Math.max(status.hostCommitIndex, status.commitIndex), historyIndex: room.chat.appliedIndex(), members: this.memberViews(room) }
  }

  /** Resolves once the submission is durable in this node's outbox: from then on it is never lost. */
  async send (roomId: string, text: string): Promise<{ id: string, status: 'pending' }> {
    const room = this.room$(roomId)
    if (typeof text !== 'string' || text.trim() === '') throw new ApiError('bad-request', 'text must not be empty')
    const body = encodeChatBody(text)
    if (body.byteLength > MAX_TEXT_BYTES) throw new ApiError('bad-request', `text is longer than ${MAX_TEXT_BYTES} bytes`)
    if (!isMemberIn(room, this.peerId)) throw new ApiError('conflict', 'not yet a member of this room')
    const result = room.driver.propose(body)
    if (!result.ok) throw new ApiError(result.reason === 'outbox-full' ? 'unavailable' : 'bad-request', result.reason)
    await room.driver.persisted()
    const id = `${this.peerId}:${result.seq}`
    this.emit({ type: 'receipt', roomId, id, status: 'pending' })
    return { id, status: 'pending' }
  }

  messages (roomId: string, opts: { after?: number, before?: number, limit?: number } = {}): MessageView[] {
    const room = this.room$(roomId)
    const limit = Math.min(opts.limit ?? 100, MAX_PAGE_LIMIT)
    if (opts.before != null && opts.after != null) throw new ApiError('bad-request', 'give after or before, not both')
    const page = asBadRequest(() => opts.before != null ? room.chat.pageBefore(opts.before, limit) : room.chat.page(opts.after ?? 0, limit))
    return page.map(messageView)
  }

  search (roomId: string, query: string, opts: { limit?: number, before?: number } = {}): MessageView[] {
    const room = this.room$(roomId)
    const limit = opts.limit ?? DEFAULT_SEARCH_LIMIT
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new ApiError('bad-request', `limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}`)
    return asBadRequest(() => room.chat.search(query, limit, opts.before)).map(messageView)
  }

  outbox (roomId: string): OutboxItem[] {
    const room = this.room$(roomId)
    return room.driver.pendingSubmissions().filter(s => !room.attesting.has(s.seq)).map(s => ({
      id: `${s.sender}:${s.seq}`,
      seq: s.seq,
      text: decodeChatBody(s.payload) ?? '',
      sentAt: s.sentAt,
      status: room.sequenced.has(s.seq) ? 'sequenced' : 'pending'
    }))
  }

  subscribe (listener: (event: NodeEvent) => void): () => void {
    this.events.on('event', listener)
    return () => { this.events.off('event', listener) }
  }

  // ----- rooms ----------------------------------------------------------------------------------

  /** Records a new room in storage, with the durable state it starts from (a joiner starts empty). */
  private newRoomStore (roomId: string, name: string, initial?: DurableState): RoomStore {
    // A room left earlier may linger if the node stopped before forgetting it: a new room starts clean.
    if (this.storage.rooms().some(r => r.roomId === roomId)) this.storage.deleteRoom(roomId)
    this.storage.createRoom(roomId, name)
    const store = this.storage.roomStore(roomId)
    if (initial != null) store.persist(initialReady(initial))
    return store
  }

  /**
   * A stored room after a restart: the core re-emits the committed entries after the history's
   * applied index (all of them for a history that is new, e.g. after a schema upgrade), which
   * complete the history.
   */
  private resumeRoom (roomId: string, name: string): void {
    const room = this.openRoom(roomId, name, this.storage.roomStore(roomId))
    if (this.rooms.get(roomId) !== room) return // removed from the room before the restart
    const { voters, learners } = room.driver.configuration()
    if (voters.length === 0 && learners.length === 0) {
      // A join that never received the room's log: nobody would talk to this node here; the invite can be used again.
      this.log('room %s: the join did not complete before the node stopped, forgetting it', roomId)
      void room.driver.stop({ handover: false })
      this.rooms.delete(roomId)
      this.presence.leave(roomId)
      this.storage.deleteRoom(roomId)
      return
    }
    this.log('room %s resumed at term %d, commit %d', roomId, room.driver.status().term, room.driver.status().commitIndex)
  }

  /**
   * Deletes a room this node is out of. Deferred: the removal is seen while the driver is still
   * working through a Ready, which it finishes persisting first.
   */
  private forgetRoom (roomId: string): void {
    this.presence.leave(roomId)
    setImmediate(() => {
      if (this.rooms.has(roomId)) return // joined again meanwhile
      try {
        this.storage.deleteRoom(roomId)
      } catch (err) {
        this.log.error('room %s: could not delete it from storage: %e', roomId, err)
      }
    })
  }

  private openRoom (roomId: string, name: string, store: RoomStore): Room {
    const rng = seededRng(randomInt(0, 2 ** 31 - 1))
    const core = coreOptions(this.peerId, rng, {
      timing: TIMING_PROFILES[this.profile],
      signSubmission: unsigned => {
        const signature = this.signer.sign(roomId, unsigned)
        this.verifier.vouchForOwn(roomId, this.signer, { ...unsigned, signature })
        return signature
      },
      snapshotSource: { read: (index, offset, maxBytes) => this.readSnapshot(roomId, store, index, offset, maxBytes) },
      // The chat records (src/chat/snapshot.ts) are a pure function of the committed entries, in index
      // order: a newer snapshot's data starts with an older one's, so transfers continue across them.
      snapshotsAppendOnly: true,
      snapshotVoucher: vouchesForSnapshot
    })
    const chat = new ChatProjection(this.storage.roomHistory(roomId), {
      roomId,
      checkpoints: {
        due: checkpoint => { this.attest(room, checkpoint) },
        seen: (sender, seq, checkpoint, agrees) => { this.checkpointSeen(room, sender, seq, checkpoint, agrees) }
      }
    })
    const incomingSnapshot = new IncomingSnapshotCheck(roomId, this.verifier, {
      // The other voters (this member has nothing to vouch for in what it lacks); a joiner knows no
      // voters yet: it trusts the members its inviter introduced.
      electorate: () => {
        const { voters } = room.driver.configuration()
        return [...(voters.length > 0 ? voters : room.introducedBy)].filter(id => id !== this.peerId)
      },
      notice: message => { this.log.error('room %s: %s', roomId, message) }
    })
    // The core re-emits only the committed entries after `applied` (etcd's Config.Applied): what the
    // history already holds is neither stored nor announced again.
    const resumable: RoomStore = {
      // A reception stored before a restart is not resumed: the check (IncomingSnapshotCheck) vouched
      // for its bytes with state it does not keep (the chain, the checkpoints seen and who sent the
      // chunks); the core starts it over at offset 0 instead of continuing bytes nothing checks now.
      load: () => ({ ...store.load(), applied: chat.appliedIndex(), incomingSnapshot: undefined }),
      persist: rd => {
        store.persist(rd)
        if (rd.snapshot != null) room.storedSnapshot = rd.snapshot.meta
        if (rd.snapshotChunks != null) {
          incomingSnapshot.accept(rd.snapshotChunks)
          const first = rd.snapshotChunks.find(c => c.offset === 0)
          if (first != null) this.log('room %s: receiving snapshot %d from the host', roomId, first.index)
        }
        if (rd.snapshot?.install === true) {
          const stats = incomingSnapshot.installed()
          if (stats != null) this.log('room %s: snapshot %d had %d records: %d vouched for by checkpoints, %d by their own signature', roomId, rd.snapshot.meta.index, stats.records, stats.byCheckpoint, stats.bySignature)
        }
      },
      read: (index, offset, maxBytes) => store.read(index, offset, maxBytes)
    }
    const driver = new RoomDriver({
      roomId,
      core,
      store: resumable,
      send: message => { this.libp2p.services.demes.send(message.to, roomId, message) },
      ...(this.compactEvery > 0 ? { compaction: { every: this.compactEvery, ...compactionAlignment(this.compactEvery), data: encodeRecords } } : {})
    })
    const room: Room = { roomId, name, driver, chat, sequenced: new Map(), attesting: ownCheckpoints(driver), introducedBy: new Set(), wasMember: false, incomingSnapshot, store, storedSnapshot: driver.snapshot(), refusedSnapshot: '', committedThrough: 0, catchUp: undefined, catchUpPace: catchUpPace() }
    // Configurations through the snapshot are not re-emitted even when the history lags it.
    const membership = appliedMembership(driver, Math.max(chat.appliedIndex(), driver.snapshot().index), this.peerId)
    room.wasMember = membership.was
    driver.on('installed', meta => { this.onSnapshotInstalled(room, meta) })
    driver.on('committed', entries => { this.applyCommitted(room, entries) })
    driver.on('event', event => { this.onCoreEvent(room, event) })
    driver.on('failed', err => { this.log.error('%e', err) })
    this.rooms.set(roomId, room)
    this.presence.join(roomId)
    if (membership.removed) {
      // The removal was applied before the node stopped, which stopped before forgetting the room.
      this.log('room %s: this node was removed before the restart, forgetting it', roomId)
      this.rooms.delete(roomId)
      this.forgetRoom(roomId)
      return room
    }
    // A history behind the stored snapshot (written without fsync, or failed to be written) is
    // completed from the snapshot's records and then the log after it.
    const snapshot = driver.snapshot()
    room.committedThrough = snapshot.index
    // The history chain lacks the records since its last stored link: they are in the log (snapshots
    // end on links), fed to it now. One that lacks compacted records, or is unknown (a history from
    // before chains), is rebuilt from the snapshot's records by the catch-up.
    const lacks = chat.chainLacks()
    if (lacks != null && lacks.from > snapshot.index) chat.resumeChain(driver.entries(lacks.from, lacks.through))
    if (chat.appliedIndex() < snapshot.index || chat.chainLacks() != null || !chat.chainKnown()) this.startCatchUp(room)
    driver.start()
    return room
  }

  /**
   * The core's SnapshotSource: the stored snapshot's data as the host sends it. A damaged store is
   * logged and the snapshot not sent (the room goes on; members that need it wait), rather than
   * throwing into the core.
   */
  private readSnapshot (roomId: string, store: RoomStore, index: number, offset: number, maxBytes: number): { data: Uint8Array, size: number } | undefined {
    try {
      return store.read(index, offset, maxBytes)
    } catch (err) {
      this.log.error('room %s: cannot read snapshot %d to send it: %e', roomId, index, err)
      return undefined
    }
  }

  /**
   * The host's snapshot is stored (its records were checked, signatures included, as they arrived):
   * the history catches up from its records, then from the committed entries after it. The
   * configuration now comes from the snapshot: it tells whether this node is still in the room.
   */
  private onSnapshotInstalled (room: Room, meta: SnapshotMeta): void {
    this.log('room %s: installed a snapshot through index %d from the host', room.roomId, meta.index)
    room.committedThrough = Math.max(room.committedThrough, meta.index)
    if (room.chat.appliedIndex() < meta.index) this.startCatchUp(room)
    this.emit({ type: 'members', roomId: room.roomId, members: this.memberViews(room) })
    const config = meta.config
    if (config != null && (config.voters.includes(this.peerId) || config.learners.includes(this.peerId))) room.wasMember = true
    else if (room.wasMember) {
      this.log('room %s: this node was removed (per the snapshot)', room.roomId)
      this.rooms.delete(room.roomId)
      void room.driver.stop({ handover: false })
      this.forgetRoom(room.roomId)
    }
  }

  private startCatchUp (room: Room): void {
    if (room.catchUp != null || room.chat.failure() != null) return
    // The reader starts at the room's first record: a chain that lacks records (compacted past its
    // last link, or given to the snapshot), or is unknown, starts over with it.
    if ((room.chat.chainLacks()?.from ?? Infinity) <= room.storedSnapshot.index || !room.chat.chainKnown()) room.chat.restartChain()
    room.catchUp = new StoredRecordReader((index, offset, maxBytes) => room.store.read(index, offset, maxBytes), () => room.storedSnapshot)
    setImmediate(() => { this.catchUpStep(room) })
  }

  /**
   * One batch of a history's catch-up: records of the stored snapshot while the history is behind
   * it, then committed entries from the log, until it holds everything committed so far. Entries
   * compacted meanwhile are in the snapshot, which the reader continues into.
   */
  private catchUpStep (room: Room): void {
    const reader = room.catchUp
    if (reader == null || this.stopped || this.rooms.get(room.roomId) !== room) return
    const { chat, driver } = room
    const started = performance.now()
    const batch = room.catchUpPace.next()
    let taken = 0
    try {
      const snapshot = room.storedSnapshot
      if (chat.appliedIndex() < snapshot.index || (chat.chainPosition() ?? Infinity) < snapshot.index) {
        // The snapshot's records: for the history, or only for the chain being rebuilt.
        const records = reader.next(batch)
        taken = records.length
        if (records.length === 0) chat.skipTo(snapshot.index)
        else this.announce(room, chat.apply(records.map(recordEntry)))
      } else if (chat.chainLacks() != null) {
        // The chain lacks entries the history holds: they follow the snapshot, in the log.
        const { from, through } = chat.chainLacks() as { from: number, through: number }
        chat.resumeChain(driver.entries(from, through))
        taken = through - from + 1
      } else if (chat.appliedIndex() < room.committedThrough) {
        const from = chat.appliedIndex() + 1
        const entries = driver.entries(from, Math.min(room.committedThrough, from + batch - 1))
        // Never expected (committed entries after the snapshot are in the log); without it the catch-up would spin.
        if (entries.length === 0) throw new Error(`committed entries from ${from} are not in the log`)
        taken = entries.length
        this.announce(room, chat.apply(entries))
      }
      room.catchUpPace.record(taken, performance.now() - started)
    } catch (err) {
      chat.fail(err as Error)
    }
    const failure = chat.failure()
    if (failure != null) {
      this.log.error('room %s: could not complete the chat history from the snapshot, it stops here until the next start: %e', room.roomId, failure)
      room.catchUp = undefined
      return
    }
    if (chat.appliedIndex() >= Math.max(room.committedThrough, room.storedSnapshot.index) && chat.chainLacks() == null) {
      room.catchUp = undefined
      if (!chat.chainKnown()) this.log('room %s: the history chain could not be rebuilt; this node will not attest the history', room.roomId)
      return
    }
    setImmediate(() => { this.catchUpStep(room) })
  }

  /** Network → (membership and signature checks, synchronous) → driver, in arrival order. */
  private deliver (roomId: string, message: RaftMessage): void {
    const room = this.rooms.get(roomId)
    if (room == null) {
      this.log('dropping a message for unknown room %s from %s', roomId, message.from)
      return
    }
    // Only members speak in a room. A joiner, whose log is still empty, listens to the members its inviter named.
    const config = room.driver.configuration()
    const member = config.voters.includes(message.from) || config.learners.includes(message.from)
    if (!member && !(config.voters.length === 0 && room.introducedBy.has(message.from))) {
      this.log('room %s: dropping a message from non-member %s', roomId, message.from)
      return
    }
    const problem = this.checkSignatures(roomId, message)
    if (problem != null) {
      this.log('room %s: rejected a message from %s: %s', roomId, message.from, problem)
      return
    }
    if (message.installSnapshot != null) {
      const checked = room.incomingSnapshot.check(message.installSnapshot, message.from)
      if (!checked.ok) {
        const refused = `${message.from} ${checked.reason}`
        if (room.refusedSnapshot !== refused) this.log('room %s: rejected a snapshot chunk from %s: %s', roomId, message.from, checked.reason)
        room.refusedSnapshot = refused
        return
      }
      room.driver.receiveNow({ ...message, installSnapshot: checked.chunk })
      return
    }
    if (message.voteResponse?.tail != null) this.log('room %s: %s refused our pre-vote and sent the %d entries our log lacks', roomId, message.from, message.voteResponse.tail.entries.length)
    room.driver.receive(message)
  }

  /** Every submission, whether submitted to us as host or replicated to us, must carry its sender's valid signature. */
  private checkSignatures (roomId: string, message: RaftMessage): string | null {
    // Entries come from the host, or from a voter handing a candidate the entries it lacks (a log tail with a refused pre-vote).
    const entries = message.appendEntries?.entries ?? message.voteResponse?.tail?.entries ?? []
    const replicated = entries.flatMap(entry => entry.submission != null ? [entry.submission] : [])
    for (const submission of [...(message.submit?.submissions ?? []), ...replicated]) {
      const verdict = this.verifier.verify(roomId, submission)
      if (!verdict.ok) return `submission ${submission.sender}#${submission.seq}: ${verdict.reason}`
    }
    return null
  }

  private applyCommitted (room: Room, entries: Entry[]): void {
    // Entries applied before this start (the core does not re-emit them; if it did, they are skipped
    // here as in the history): their configurations are already counted in wasMember.
    const appliedBefore = room.chat.appliedIndex()
    room.committedThrough = Math.max(room.committedThrough, entries[entries.length - 1].index)
    // While the history catches up from a snapshot, these reach it through the catch-up, in order.
    if (room.catchUp == null) this.announce(room, this.applyChat(room, entries))
    const configs = entries.filter(e => e.index > appliedBefore && e.type === EntryType.ENTRY_CONFIG && e.config != null)
    if (configs.length === 0) return
    this.emit({ type: 'members', roomId: room.roomId, members: this.memberViews(room) })
    for (const { config } of configs) {
      const inIt = config != null && (config.voters.includes(this.peerId) || config.learners.includes(this.peerId))
      if (inIt) room.wasMember = true
      else if (room.wasMember) {
        // Removed by a committed change (by someone else, or our own leave): this node is out of the room.
        this.log('room %s: this node was removed', room.roomId)
        this.rooms.delete(room.roomId)
        void room.driver.stop({ handover: false })
        this.forgetRoom(room.roomId)
        return
      }
    }
  }

  /** Newly applied messages to subscribers; this node's own ones also as receipts. */
  private announce (room: Room, messages: readonly ChatMessage[]): void {
    for (const message of messages) {
      this.emit({ type: 'message', roomId: room.roomId, message: messageView(message) })
      if (message.sender === this.peerId) {
        room.sequenced.delete(message.seq)
        this.emit({ type: 'receipt', roomId: room.roomId, id: message.id, status: message.status })
      }
    }
  }

  /**
   * The chat messages of newly committed entries, written to the room's history. Writing it is not a
   * protocol obligation: if it fails (disk full), the room goes on, live events still flow, the
   * history stops where it was and the next start fills it from the log.
   */
  private applyChat (room: Room, entries: Entry[]): ChatMessage[] {
    const failedBefore = room.chat.failure() != null
    const added = room.chat.apply(entries)
    const failure = room.chat.failure()
    if (!failedBefore && failure != null) this.log.error('room %s: could not write the chat history, it stops here until the next start: %e', room.roomId, failure)
    return added
  }

  private onCoreEvent (room: Room, event: CoreEvent): void {
    switch (event.type) {
      case 'leader':
        this.log('room %s: host is %s at term %d', room.roomId, event.leader ?? '(none)', event.term)
        this.emit({ type: 'host', roomId: room.roomId, host: event.leader, term: event.term })
        break
      case 'sequenced':
        if (room.attesting.has(event.seq)) break
        room.sequenced.set(event.seq, event.index)
        this.emit({ type: 'receipt', roomId: room.roomId, id: `${this.peerId}:${event.seq}`, status: 'sequenced' })
        break
      case 'delivered': {
        const before = this.markDelivered(room, event.index)
        if (before != null) this.owe(room, before, event.index)
        break
      }
      case 'transfer':
        this.log('room %s: handover to %s %s', room.roomId, event.target, event.state)
        break
      case 'rejected':
        this.log('room %s: core rejected input from %s: %s %s', room.roomId, event.from, event.reason, event.detail ?? '')
        break
      case 'snapshot':
        if (event.state === 'compacted') this.log('room %s: compacted the log through index %d', room.roomId, event.index)
        else if (event.state === 'sending') this.log('room %s: sending snapshot %d to %s from offset %d', room.roomId, event.index, event.peer, event.offset ?? 0)
        break
      default:
        break
    }
  }

  /**
   * The history passed a checkpoint boundary: a voter attests it (src/chat/checkpoint.ts), if it is
   * near the head of the log. A history filling in from a snapshot passes old boundaries that the
   * others attested long ago; one catching up on the log after it still attests the recent ones.
   */
  private attest (room: Room, checkpoint: Checkpoint): void {
    if (this.stopped || !isVoterIn(room, this.peerId) || checkpoint.through + ATTEST_WITHIN <= room.committedThrough) return
    const result = room.driver.propose(encodeCheckpoint(checkpoint))
    if (result.ok) room.attesting.add(result.seq)
    else this.log('room %s: could not attest the history through %d: %s', room.roomId, checkpoint.through, result.reason)
  }

  /** A committed checkpoint: one that disagrees with this history means two members hold different histories. */
  private checkpointSeen (room: Room, sender: string, seq: number, checkpoint: Checkpoint, agrees: boolean | undefined): void {
    if (sender === this.peerId) room.attesting.delete(seq)
    if (agrees === false) this.log.error('room %s: member %s attests a history through %d that differs from this node\'s', room.roomId, sender, checkpoint.through)
    else if (agrees === true && sender !== this.peerId) this.log('room %s: member %s attests the history through %d as this node holds it', room.roomId, sender, checkpoint.through)
  }

  /** Records the delivered index; returns the one before if it rose. A failing history only costs the receipts. */
  private markDelivered (room: Room, index: number): number | undefined {
    try {
      return room.chat.markDelivered(index)
    } catch (err) {
      this.log.error('room %s: could not record the delivered index in the chat history: %e', room.roomId, err)
      return undefined
    }
  }

  /**
   * This node's messages in (after, through] became delivered: their receipts go out RECEIPT_BATCH
   * per turn of the event loop. A member back after a long absence raises the delivered index by
   * tens of thousands of messages at once; reading and emitting all their receipts in one go held a
   * host's event loop for over a second (measured on 100,000 messages), long enough for the others
   * to elect a new host. Later deliveries meanwhile extend the range.
   */
  private owe (room: Room, after: number, through: number): void {
    if (room.receiptsOwed != null) {
      room.receiptsOwed.through = Math.max(room.receiptsOwed.through, through)
      return
    }
    const owed = { after, through }
    room.receiptsOwed = owed
    const step = (): void => {
      if (this.stopped || this.rooms.get(room.roomId) !== room) return
      let batch: ChatMessage[]
      try {
        batch = room.chat.fromSender(this.peerId, owed.after, owed.through, RECEIPT_BATCH)
      } catch (err) {
        this.log.error('room %s: could not read the messages for their delivered receipts: %e', room.roomId, err)
        room.receiptsOwed = undefined
        return
      }
      for (const message of batch) this.emit({ type: 'receipt', roomId: room.roomId, id: message.id, status: 'delivered' })
      if (batch.length < RECEIPT_BATCH) {
        room.receiptsOwed = undefined
        return
      }
      owed.after = (batch.at(-1) as ChatMessage).index
      setImmediate(step)
    }
    step()
  }

  /** Inviter side: an invite we signed, for a room we are in, admits its bearer as a learner. */
  private async decideJoin (code: string, joiner: string): Promise<JoinResponse> {
    const refuse = (reason: string): JoinResponse => ({ accepted: false, reason, roomId: '', roomName: '', members: [] })
    const parsed = await parseInvite(code, Date.now())
    if (!parsed.ok) return refuse(`invalid invite: ${parsed.reason}`)
    if (parsed.invite.inviter !== this.peerId) return refuse('this node did not sign the invite')
    const room = this.rooms.get(parsed.invite.roomId)
    if (room == null) return refuse('this node is no longer in the room')
    if (!isMemberIn(room, joiner)) {
      const result = room.driver.changeMembership(ConfigChangeType.ADD_LEARNER, joiner)
      if (!result.ok) this.log('join of %s to %s: %s (the joiner retries)', joiner, room.roomId, result.reason)
    }
    const members = await Promise.all(this.memberPeers(room).map(async peerId => ({ peerId, addrs: peerId === this.peerId ? this.ownAddrs() : await this.addrsOf(peerId) })))
    return { accepted: true, reason: '', roomId: room.roomId, roomName: room.name, members }
  }

  private async dialMembers (response: JoinResponse): Promise<void> {
    await Promise.all(response.members.filter(m => m.peerId !== this.peerId).map(async member => {
      try {
        const peer = peerIdFromString(member.peerId)
        if (member.addrs.length > 0) {
          const addrs = member.addrs.slice(0, MAX_PEER_ADDRS)
          await this.libp2p.peerStore.merge(peer, { multiaddrs: addrs.map(a => multiaddr(a)) })
          this.saveAddrs(member.peerId, addrs)
        }
        await this.libp2p.dial(peer, { signal: AbortSignal.timeout(5000) })
      } catch (err) {
        this.log('could not dial member %s: %s', member.peerId, (err as Error).message)
      }
    }))
  }

  /** A member told us its listen addresses (identify): record them for the next start. */
  private readonly onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    const peer = event.detail.peerId.toString()
    if (!this.isKnownPeer(peer)) return
    this.saveAddrs(peer, event.detail.listenAddrs.map(a => a.toString()))
  }

  private isKnownPeer (peer: string): boolean {
    for (const room of this.rooms.values()) if (room.introducedBy.has(peer) || this.memberPeers(room).includes(peer)) return true
    return false
  }

  private saveAddrs (peer: string, addrs: string[]): void {
    if (peer === this.peerId || addrs.length === 0) return
    const key = JSON.stringify(addrs)
    if (this.savedAddrs.get(peer) === key) return
    try {
      this.storage.savePeerAddrs(peer, addrs)
      this.savedAddrs.set(peer, key)
    } catch (err) {
      this.log.error('could not record the addresses of %s: %e', peer, err)
    }
  }

  /** On stop: what the peer store knows of every member's addresses. */
  private async recordMemberAddrs (): Promise<void> {
    for (const peer of this.allPeers()) this.saveAddrs(peer, await this.addrsOf(peer))
  }

  private async restorePeerAddrs (): Promise<void> {
    for (const [peer, addrs] of this.storage.peerAddrs()) {
      if (peer === this.peerId) continue
      try {
        await this.libp2p.peerStore.merge(peerIdFromString(peer), { multiaddrs: addrs.map(a => multiaddr(a)) })
        this.savedAddrs.set(peer, JSON.stringify(addrs))
      } catch (err) {
        this.log('ignoring stored addresses of %s: %s', peer, (err as Error).message)
      }
    }
  }

  private readonly onConnectionChange = (event: CustomEvent<{ toString: () => string }>): void => {
    this.membersChanged(event.detail.toString())
  }

  private membersChanged (peer: string): void {
    for (const room of this.rooms.values()) {
      if (this.memberPeers(room).includes(peer)) this.emit({ type: 'members', roomId: room.roomId, members: this.memberViews(room) })
    }
  }

  /** A member's presence announcement: its name for display, its addresses for reconnecting. */
  private onAnnouncement (presence: Presence): void {
    const room = this.rooms.get(presence.roomId)
    if (room == null || !this.memberPeers(room).includes(presence.peerId)) {
      this.log('presence: ignoring an announcement from non-member %s in %s', presence.peerId, presence.roomId)
      return
    }
    this.saveAddrs(presence.peerId, presence.addrs)
    this.libp2p.peerStore.merge(peerIdFromString(presence.peerId), { multiaddrs: presence.addrs.map(a => multiaddr(a)) })
      .catch((err: unknown) => { this.log('presence: bad addresses from %s: %s', presence.peerId, (err as Error).message) })
    if (this.names.get(presence.peerId) !== presence.name) {
      this.names.set(presence.peerId, presence.name)
      this.membersChanged(presence.peerId)
    }
  }

  // ----- helpers --------------------------------------------------------------------------------

  private room$ (roomId: string): Room {
    const room = typeof roomId === 'string' ? this.rooms.get(roomId) : undefined
    if (room == null) throw new ApiError('not-found', `unknown room ${String(roomId).slice(0, 64)}`)
    return room
  }

  private memberPeers (room: Room): string[] {
    const { voters, learners } = room.driver.configuration()
    return [...voters, ...learners]
  }

  private memberViews (room: Room): MemberView[] {
    const { voters, learners } = room.driver.configuration()
    const view = (peerId: string, role: 'voter' | 'learner'): MemberView => ({
      peerId,
      ...(peerId === this.peerId ? { name: this.name } : this.names.has(peerId) ? { name: this.names.get(peerId) } : {}),
      role,
      online: peerId === this.peerId || this.libp2p.getConnections(peerIdFromString(peerId)).length > 0
    })
    return [...voters.map(v => view(v, 'voter')), ...learners.map(l => view(l, 'learner'))]
  }

  private allPeers (): string[] {
    const peers = new Set<string>()
    for (const room of this.rooms.values()) for (const peer of this.memberPeers(room)) if (peer !== this.peerId) peers.add(peer)
    return [...peers]
  }

  private ownAddrs (): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  /** A member's listen addresses as identify reported them (an inbound connection's remote address is not dialable). */
  private async addrsOf (peerId: string): Promise<string[]> {
    try {
      const peer = await this.libp2p.peerStore.get(peerIdFromString(peerId))
      return peer.addresses.map(a => a.multiaddr.toString()).slice(0, 16)
    } catch {
      return []
    }
  }

  private emit (event: NodeEvent): void {
    this.events.emit('event', event)
  }
}

/** The durable starting state of a room, as the Ready that writes it. */
function initialReady (state: DurableState): Ready {
  return { hardState: state.hardState, entries: state.entries, outboxAppend: state.outbox, messages: [], committed: [], events: [] }
}

/** Entries read at a time when scanning the log for configurations. */
const SCAN_CHUNK = 1024

/**
 * From the configurations among the entries applied before this start (index <= `applied`): `was`,
 * one of them included this node (so a later one without it means removal); `removed`, the last
 * one did not, after one that did. A fresh history (applied 0) has neither. Entries compacted into a
 * snapshot are gone: of those, only the configuration in effect at the snapshot is known (when no
 * later one exists).
 */
function appliedMembership (driver: RoomDriver, applied: number, self: string): { was: boolean, removed: boolean } {
  const isIn = (config: { voters: string[], learners: string[] }): boolean => config.voters.includes(self) || config.learners.includes(self)
  const { snapshotIndex, config, configIndex } = driver.status()
  let included = applied > 0 && configIndex <= Math.min(snapshotIndex, applied) && isIn(config)
  let was = included
  for (let from = snapshotIndex + 1; from <= applied; from += SCAN_CHUNK) {
    for (const entry of driver.entries(from, Math.min(applied, from + SCAN_CHUNK - 1))) {
      if (entry.type !== EntryType.ENTRY_CONFIG || entry.config == null) continue
      included = isIn(entry.config)
      if (included) was = true
    }
  }
  return { was, removed: was && !included }
}

/** Bad paging arguments from a caller (RangeError) and unsearchable queries are the caller's mistake: 400, not 500. */
function asBadRequest<T> (read: () => T): T {
  try {
    return read()
  } catch (err) {
    if (err instanceof SearchQueryError || err instanceof RangeError) throw new ApiError('bad-request', err.message)
    throw err
  }
}

/**
 * Snapshots end on history chain links when compactions are at least a link apart, so the log always
 * holds the records since the last link (a restart feeds them to the chain again). Closer compactions
 * (tests) are not aligned: a restart then rebuilds the chain from the snapshot's records.
 */
function compactionAlignment (every: number): { align?: number } {
  return every >= CHECKPOINT_EVERY ? { align: CHECKPOINT_EVERY } : {}
}

/** Seqs of this node's checkpoints still in its outbox (after a restart, they must not turn into receipts). */
function ownCheckpoints (driver: RoomDriver): Set<number> {
  return new Set(driver.pendingSubmissions().filter(s => decodeChatPayload(s.payload)?.checkpoint != null).map(s => s.seq))
}

function isMemberIn (room: Room, peerId: string): boolean {
  const { voters, learners } = room.driver.configuration()
  return voters.includes(peerId) || learners.includes(peerId)
}

function isVoterIn (room: Room, peerId: string): boolean {
  return room.driver.configuration().voters.includes(peerId)
}

function checkRoomName (name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new ApiError('bad-request', 'room name must not be empty')
  if (name.length > MAX_ROOM_NAME_LENGTH) throw new ApiError('bad-request', `room name is longer than ${MAX_ROOM_NAME_LENGTH} characters`)
  return name.trim()
}

function messageView (m: ChatMessage): MessageView {
  return { index: m.index, term: m.term, id: m.id, sender: m.sender, text: m.text, sentAt: m.sentAt, status: m.status }
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
  })
}

async function waitFor (predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > end) return false
    await sleep(20)
  }
  return true
}
