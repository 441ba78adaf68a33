// One room's chat history as stored: the committed chat messages, the index up to which the
// committed log has been applied to it, and the index every member is known to hold (delivered).
// It is derived state: the log is the source of truth and can rebuild it (src/node/node.ts).

/** A committed chat message as stored (its id is `${sender}:${seq}`). */
export interface StoredMessage {
  index: number
  term: number
  sender: string
  seq: number
  text: string
  sentAt: number
}

/** A link of the history chain (src/chat/checkpoint.ts): its digest through log index `through`. */
export interface ChainLink {
  through: number
  digest: Uint8Array
}

/** A chain digest is a SHA-256 (src/chat/checkpoint.ts). */
export const CHAIN_DIGEST_BYTES = 32

/** A chain link to store must be whole and at or below the applied index it goes with. */
export function checkChainLink (link: ChainLink, appliedIndex: number): void {
  checkIndex(link.through, 'chain link index')
  if (link.through > appliedIndex) throw new RangeError(`chain link through ${link.through} is above the applied index ${appliedIndex}`)
  if (link.digest.byteLength !== CHAIN_DIGEST_BYTES) throw new RangeError(`a chain digest has ${CHAIN_DIGEST_BYTES} bytes, not ${link.digest.byteLength}`)
}

/** Pages of history (forwards or backwards) hold at most this many messages. */
export const MAX_PAGE_LIMIT = 1000
/** Search answers hold at most this many messages. */
export const MAX_SEARCH_LIMIT = 100
/** Search queries longer than this (in characters) are refused. */
export const MAX_QUERY_LENGTH = 256
/** Words per search query (each word is one quoted FTS5 phrase). */
export const MAX_QUERY_TERMS = 16

/**
 * One room's stored chat history. Implementations: MemoryRoomHistory (below) and
 * SqliteRoomHistory (sqlite.ts, with an FTS5 index); both pass test/store/history-suite.ts.
 */
export interface RoomHistory {
  /**
   * Stores committed chat messages (in index order) and records that the log is applied up to
   * `appliedIndex`, in one transaction. A message at an index already stored is skipped, so applying
   * the same committed entries again changes nothing; one below the last stored message that is not
   * stored is refused (RangeError, nothing changes): history only grows at its end, which keeps the
   * SQLite search walk in index order. The applied index never goes back. `chain` is the last link of
   * the history chain (src/chat/checkpoint.ts) at or below `appliedIndex`, stored with it when given.
   */
  append: (messages: readonly StoredMessage[], appliedIndex: number, chain?: ChainLink) => void
  /** The log index up to which committed entries have been applied (0: nothing yet). */
  appliedIndex: () => number
  /** The chain link stored with the applied index (undefined: none stored). */
  chain: () => ChainLink | undefined
  /** The log index every member holds (0: none known). */
  deliveredIndex: () => number
  /** Raises the delivered index (a lower one is ignored). */
  markDelivered: (index: number) => void
  /** Messages with index above `after`, oldest first, at most `limit` (1..MAX_PAGE_LIMIT). */
  page: (after: number, limit: number) => StoredMessage[]
  /** The last `limit` messages (1..MAX_PAGE_LIMIT) with index below `before`, oldest first. */
  pageBefore: (before: number, limit: number) => StoredMessage[]
  /** Messages of `sender` with index in (after, through], oldest first, at most `limit` (1..MAX_PAGE_LIMIT). */
  fromSender: (sender: string, after: number, through: number, limit: number) => StoredMessage[]
  /**
   * Messages containing every word of `query` (see searchTerms), newest first (highest index first,
   * so `before` = the last index of a page fetches the next one), at most `limit` (1..MAX_SEARCH_LIMIT),
   * only those with index below `before` when given. Throws SearchQueryError for a query that is
   * empty, too long, or has no words.
   */
  search: (query: string, limit: number, before?: number) => StoredMessage[]
  /** How many messages are stored. */
  count: () => number
}

/** A search query that cannot be run (empty, oversize, nothing to search for): the caller's mistake. */
export class SearchQueryError extends Error {
  override name = 'SearchQueryError'
}

// ---- words -------------------------------------------------------------------------------------
//
// Matching follows SQLite FTS5's unicode61 tokenizer with remove_diacritics 2, so both stores agree:
// a token is a run of letters, digits and private-use characters (categories L*, N*, Co); anything
// else separates tokens; tokens compare case-insensitively and without diacritics.

const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u
const MARKS = /\p{M}/gu

/** A text's tokens, folded (lower case, diacritics removed). */
export function tokenize (text: string): string[] {
  const tokens: string[] = []
  let current = ''
  for (const char of text) {
    if (TOKEN_CHAR.test(char)) {
      current += char.toLowerCase().normalize('NFD').replace(MARKS, '')
    } else if (current !== '') {
      tokens.push(current)
      current = ''
    }
  }
  if (current !== '') tokens.push(current)
  return tokens
}

/**
 * The words of a user's search query: split at white space, each word folded into its tokens (a
 * word like `don't` is the phrase `don t`). Words without any token (`*`, `-`, `"`) are dropped.
 * Throws SearchQueryError for a query that is not a string, is longer than MAX_QUERY_LENGTH,
 * has more than MAX_QUERY_TERMS words, or has no word left to search for.
 */
export function searchTerms (query: unknown): string[][] {
  if (typeof query !== 'string') throw new SearchQueryError('the search query must be a string')
  if (query.length > MAX_QUERY_LENGTH) throw new SearchQueryError(`the search query is longer than ${MAX_QUERY_LENGTH} characters`)
  const words = query.split(/\s+/u).map(tokenize).filter(tokens => tokens.length > 0)
  if (words.length === 0) throw new SearchQueryError('the search query has no words to search for (letters or digits)')
  if (words.length > MAX_QUERY_TERMS) throw new SearchQueryError(`the search query has more than ${MAX_QUERY_TERMS} words`)
  return words
}

/**
 * The FTS5 query for the words: each word one quoted phrase (double quotes doubled, although folded
 * tokens never hold any), all of them required. Operators typed by the user (OR, NOT, NEAR, *, -, ^,
 * column filters) are thereby plain words or nothing: the user's text never becomes FTS5 syntax.
 */
export function ftsQuery (words: readonly string[][]): string {
  return words.map(tokens => `"${tokens.join(' ').replaceAll('"', '""')}"`).join(' ')
}

/** Checks a count from a caller against its bound (a bug in the caller if it fails, not user input). */
export function checkLimit (limit: number, max: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) throw new RangeError(`limit must be an integer from 1 to ${max}, got ${String(limit)}`)
}

export function checkIndex (index: number, what: string): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`${what} must be an integer >= 0, got ${String(index)}`)
}

/** Bounds of what a stored message may hold (the projection produces far less: 16 KiB of text). */
export const MAX_SENDER_LENGTH = 256
export const MAX_STORED_TEXT_LENGTH = 64 * 1024

/** Refuses a message no store should hold, before anything is written. */
export function checkMessage (m: StoredMessage): void {
  checkIndex(m.index, 'message index')
  if (m.index === 0) throw new RangeError('message index must be >= 1')
  checkIndex(m.term, `message ${m.index}: term`)
  checkIndex(m.seq, `message ${m.index}: seq`)
  checkIndex(m.sentAt, `message ${m.index}: sentAt`)
  if (typeof m.sender !== 'string' || m.sender.length === 0 || m.sender.length > MAX_SENDER_LENGTH) throw new RangeError(`message ${m.index}: sender must be 1 to ${MAX_SENDER_LENGTH} characters`)
  if (typeof m.text !== 'string' || m.text.length > MAX_STORED_TEXT_LENGTH) throw new RangeError(`message ${m.index}: text must be a string of at most ${MAX_STORED_TEXT_LENGTH} characters`)
}

// ---- in memory ---------------------------------------------------------------------------------

/** A room's history held in memory (tests, simulator, a node without disk): the same contract as SQLite. */
export class MemoryRoomHistory implements RoomHistory {
  private readonly messages: StoredMessage[] = []
  /** Folded tokens of each message, computed once (search compares against these). */
  private readonly tokens: string[][] = []
  private applied = 0
  private appliedChain: ChainLink | undefined
  private delivered = 0

  append (messages: readonly StoredMessage[], appliedIndex: number, chain?: ChainLink): void {
    // Checked before anything changes, so a bad batch leaves the history as it was.
    checkIndex(appliedIndex, 'applied index')
    for (const message of messages) checkMessage(message)
    let last = this.messages.at(-1)?.index ?? 0
    const fresh: StoredMessage[] = []
    for (const message of messages) {
      if (message.index > last) {
        fresh.push({ ...message })
        last = message.index
      } else if (fresh.every(f => f.index !== message.index) && this.messages[this.firstAbove(message.index - 1)]?.index !== message.index) {
        throw new RangeError(`message ${message.index} would be stored behind message ${last}`)
      }
    }
    for (const message of fresh) {
      this.messages.push(message)
      this.tokens.push(tokenize(message.text))
    }
    if (chain != null) checkChainLink(chain, appliedIndex)
    if (appliedIndex >= this.applied && chain != null) this.appliedChain = { through: chain.through, digest: chain.digest.slice() }
    this.applied = Math.max(this.applied, appliedIndex)
  }

  appliedIndex (): number {
    return this.applied
  }

  chain (): ChainLink | undefined {
    return this.appliedChain == null ? undefined : { through: this.appliedChain.through, digest: this.appliedChain.digest.slice() }
  }

  deliveredIndex (): number {
    return this.delivered
  }

  markDelivered (index: number): void {
    checkIndex(index, 'delivered index')
    this.delivered = Math.max(this.delivered, index)
  }

  page (after: number, limit: number): StoredMessage[] {
    checkIndex(after, 'after')
    checkLimit(limit, MAX_PAGE_LIMIT)
    const from = this.firstAbove(after)
    return this.copies(from, from + limit)
  }

  pageBefore (before: number, limit: number): StoredMessage[] {
    checkIndex(before, 'before')
    checkLimit(limit, MAX_PAGE_LIMIT)
    const to = this.firstAbove(before - 1)
    return this.copies(Math.max(0, to - limit), to)
  }

  fromSender (sender: string, after: number, through: number, limit: number): StoredMessage[] {
    checkIndex(after, 'after')
    checkIndex(through, 'through')
    checkLimit(limit, MAX_PAGE_LIMIT)
    const found: StoredMessage[] = []
    for (let i = this.firstAbove(after); i < this.messages.length && this.messages[i].index <= through && found.length < limit; i++) {
      if (this.messages[i].sender === sender) found.push({ ...this.messages[i] })
    }
    return found
  }

  search (query: string, limit: number, before?: number): StoredMessage[] {
    const words = searchTerms(query)
    checkLimit(limit, MAX_SEARCH_LIMIT)
    if (before != null) checkIndex(before, 'before')
    const found: StoredMessage[] = []
    const end = before == null ? this.messages.length : this.firstAbove(before - 1)
    for (let i = end - 1; i >= 0 && found.length < limit; i--) {
      if (words.every(phrase => containsPhrase(this.tokens[i], phrase))) found.push({ ...this.messages[i] })
    }
    return found
  }

  count (): number {
    return this.messages.length
  }

  /** Position of the first message with index above `index` (binary search: messages are in index order). */
  private firstAbove (index: number): number {
    let lo = 0
    let hi = this.messages.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.messages[mid].index <= index) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private copies (from: number, to: number): StoredMessage[] {
    return this.messages.slice(from, to).map(m => ({ ...m }))
  }
}

/** The phrase's tokens appear one after another in `tokens`. */
function containsPhrase (tokens: readonly string[], phrase: readonly string[]): boolean {
  for (let start = 0; start + phrase.length <= tokens.length; start++) {
    if (phrase.every((token, k) => tokens[start + k] === token)) return true
  }
  return false
}
