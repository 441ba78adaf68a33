// The node's application interface: what the local HTTP API (src/api) and the CLI expose.
// Implemented by DemesNode (src/node/node.ts).

export interface NodeInfo {
  peerId: string
  name: string
  addrs: string[]
}

export interface RoomSummary {
  roomId: string
  name: string
}

export interface MemberView {
  peerId: string
  name?: string
  role: 'voter' | 'learner'
  online: boolean
}

export interface RoomDetails {
  roomId: string
  name: string
  term: number
  host: string | null
  /** The host's ranked backups, best first: who takes over if the host disappears. */
  backups: string[]
  commitIndex: number
  /** The host's commit index as this node last heard it (its own on the host): commitIndex below it means catching up. */
  hostCommitIndex: number
  /** The log index through which the chat history holds every committed message (behind commitIndex while it fills from a snapshot). */
  historyIndex: number
  members: MemberView[]
}

export interface MessageView {
  index: number
  term: number
  /** `${sender}:${seq}`, the same on every member. */
  id: string
  sender: string
  text: string
  sentAt: number
  status: 'committed' | 'delivered'
}

export interface OutboxItem {
  id: string
  seq: number
  text: string
  sentAt: number
  /** pending: not yet ordered by the host; sequenced: ordered, not yet committed. */
  status: 'pending' | 'sequenced'
}

export type NodeEvent =
  | { type: 'message', roomId: string, message: MessageView }
  | { type: 'receipt', roomId: string, id: string, status: 'pending' | 'sequenced' | 'committed' | 'delivered' }
  | { type: 'host', roomId: string, host: string | null, term: number }
  | { type: 'members', roomId: string, members: MemberView[] }

export type ApiErrorCode = 'bad-request' | 'not-found' | 'conflict' | 'unavailable' | 'internal'

/** A failure the API reports to its caller as `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor (readonly code: ApiErrorCode, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

export const MAX_ROOM_NAME_LENGTH = 100

export interface DemesNodeApi {
  info: () => NodeInfo
  /** Throws ApiError('bad-request') for an empty or overlong name. */
  createRoom: (name: string) => Promise<{ roomId: string }>
  listRooms: () => RoomSummary[]
  /** Throws ApiError('not-found') for an unknown room. */
  createInvite: (roomId: string, opts?: { ttlMs?: number }) => Promise<string>
  /** Resolves once this node is a member of the room; ApiError('bad-request') for a malformed or expired invite, 'unavailable' when the inviter cannot be reached. */
  join: (invite: string, opts?: { signal?: AbortSignal }) => Promise<{ roomId: string }>
  leave: (roomId: string) => Promise<void>
  room: (roomId: string) => RoomDetails
  /** Throws ApiError('bad-request') for empty or oversize text, 'not-found' for an unknown room. */
  send: (roomId: string, text: string) => Promise<{ id: string, status: 'pending' }>
  /**
   * Committed messages in log order, at most `limit` (default 100, max 1000): those after log index
   * `after` (default 0), or, paging backwards, the last ones before log index `before`.
   */
  messages: (roomId: string, opts?: { after?: number, before?: number, limit?: number }) => MessageView[]
  /**
   * Full-text search of the room's committed messages: those containing every word of `query`
   * (whole words, ignoring case and diacritics; operators and quotes are plain text), newest first,
   * at most `limit` (default 20, max 100), only those with log index below `before` when given (to
   * fetch the next page, pass the last index of this one). ApiError('bad-request') for a query that
   * is longer than 256 characters, has more than 16 words or none; 'not-found' for an unknown room.
   */
  search: (roomId: string, query: string, opts?: { limit?: number, before?: number }) => MessageView[]
  outbox: (roomId: string) => OutboxItem[]
  /** Live events; returns the unsubscribe function. */
  subscribe: (listener: (event: NodeEvent) => void) => () => void
}

/** `demes start` options, after flag > environment > default resolution (src/cli). */
export interface DaemonOptions {
  dataDir: string
  listen: string[]
  bootstrap: string[]
  mdns: boolean
  /** host:port; port 0 picks a free port. */
  api: string
  name: string
  profile: 'default' | 'fast'
  /** Where rooms are kept: 'sqlite' (DIR/demes.db, the default) or 'memory' (gone when the node stops; tests and benchmarks). */
  store?: 'sqlite' | 'memory'
  /** Applied entries between log compactions (DemesNodeOptions.compactEvery); 0 never; default the node's. */
  compactEvery?: number
}
