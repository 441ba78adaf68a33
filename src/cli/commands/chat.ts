// `demes chat ROOM`: an interactive chat in the terminal. Prints recent history, then messages as
// they commit (from the node's event stream), receipts for your own messages, host changes and who
// is online. Lines typed are sent; /status, /help, /quit (or Ctrl-D) are commands.
import { createInterface, type Interface } from 'node:readline'
import type { Command } from 'commander'
import type { MemberView, NodeEvent, NodeInfo, RoomDetails, RoomSummary } from '../../node/api-types.js'
import { DemesClient } from '../client.js'
import { addClientOptions, CliError, intOption, oneLine, PeerNames, sanitize, type ClientFlags, type Io } from '../common.js'
import { formatMessage } from './history.js'
import { formatRoomDetails } from './status.js'

export const DEFAULT_CHAT_HISTORY = 20

interface ChatFlags extends ClientFlags {
  history?: number
}

type ReceiptStatus = 'pending' | 'sequenced' | 'committed' | 'delivered'
const RECEIPT_RANK: Record<ReceiptStatus, number> = { pending: 0, sequenced: 1, committed: 2, delivered: 3 }

const HELP = [
  'type a line and press Enter to send it; start it with // to send a leading /',
  '/status  room status: host, term, commit index, members',
  '/help    this help',
  '/quit    leave the chat (or Ctrl-D); you stay a member of the room'
].join('\n')

export function register (parent: Command, io: Io): void {
  addClientOptions(parent
    .command('chat')
    .argument('<room>', 'room id or name')
    .description('chat in a room interactively: history, live messages, receipts, host and presence')
    .option('--history <n>', `recent messages to show first (0..1000; default ${DEFAULT_CHAT_HISTORY})`, intOption(0, 1000)))
    .action(async (roomArg: string, opts: ChatFlags) => {
      await runChat(io, roomArg, opts)
    })
}

export async function runChat (io: Io, roomArg: string, opts: ChatFlags): Promise<void> {
  const client = await DemesClient.connect(opts, io.env)
  const room = await client.resolveRoom(roomArg)
  const self = await client.info()
  const controller = new AbortController()
  // Subscribe before reading history, so that nothing committed in between is missed; events
  // for messages already shown are skipped by log index.
  const events = await client.events({ roomId: room.roomId, signal: controller.signal })
  try {
    await chatLoop(io, client, room, self, events, opts.history ?? DEFAULT_CHAT_HISTORY, () => controller.abort())
  } finally {
    controller.abort()
  }
}

async function chatLoop (io: Io, client: DemesClient, room: RoomSummary, self: NodeInfo, events: AsyncGenerator<NodeEvent>, historyCount: number, abort: () => void): Promise<void> {
  const details = await client.room(room.roomId)
  let lastIndex = details.commitIndex
  let recent: Awaited<ReturnType<DemesClient['messages']>> = []
  if (historyCount > 0) {
    const after = Math.max(0, details.commitIndex - Math.max(2 * historyCount, historyCount + 20))
    const fetched = await client.messages(room.roomId, { after, limit: 1000 })
    if (fetched.length > 0) lastIndex = Math.max(lastIndex, fetched[fetched.length - 1].index)
    recent = fetched.slice(-historyCount)
  }

  const stdin = io.stdin as NodeJS.ReadableStream & { isTTY?: boolean }
  const stdout = io.stdout as NodeJS.WritableStream & { isTTY?: boolean }
  const tty = stdin.isTTY === true && stdout.isTTY === true
  const rl = createInterface({ input: stdin, output: tty ? stdout : undefined, terminal: tty, prompt: '> ' })
  const session = new ChatSession(io, client, rl, tty, room, self, details, lastIndex)

  session.say(`chat in room ${JSON.stringify(sanitize(room.name, true))} (${room.roomId}) as ${sanitize(self.name, true)}; /help for commands, /quit or Ctrl-D to exit`)
  session.say(session.presence())
  if (historyCount > 0) {
    if (recent.length === 0) session.say('no messages yet')
    for (const m of recent) session.say(formatMessage(m, session.names))
  }
  if (tty) rl.prompt()

  let closing = false
  let failure: unknown
  const closed = new Promise<void>(resolve => rl.once('close', resolve))
  rl.on('SIGINT', () => rl.close())
  let queue = Promise.resolve()
  let quitting = false
  rl.on('line', (line: string) => {
    if (quitting) return
    const command = line.trim()
    if (command === '/quit' || command === '/exit') {
      quitting = true
      rl.close()
      return
    }
    queue = queue.then(async () => await session.handleLine(line)).catch((err: unknown) => {
      session.say(`demes: ${oneLine((err as Error)?.message ?? String(err))}`)
    })
  })

  const pump = (async () => {
    try {
      for await (const ev of events) session.onEvent(ev)
      if (!closing) failure = new CliError('the node closed the event stream')
    } catch (err) {
      if (!closing) failure = new CliError(`lost the connection to the node: ${(err as Error)?.message ?? String(err)}`)
    }
    if (!closing) rl.close()
  })()

  await closed
  closing = true
  if (tty) io.stdout.write('\n')
  await queue
  abort()
  await pump
  if (failure != null) throw failure
}

class ChatSession {
  readonly names: PeerNames
  private host: string | null
  private term: number
  private members: MemberView[]
  private readonly receipts = new Map<string, { text?: string, rank: number }>()
  /** A send is in flight (sends are one at a time); receipts of unknown own ids wait for its answer. */
  private sending = false
  private readonly held: Array<{ id: string, status: ReceiptStatus }> = []

  constructor (
    private readonly io: Io,
    private readonly client: DemesClient,
    private readonly rl: Interface,
    private readonly tty: boolean,
    private readonly room: RoomSummary,
    private readonly self: NodeInfo,
    details: RoomDetails,
    private lastIndex: number
  ) {
    this.names = new PeerNames(details.members, self)
    this.host = details.host
    this.term = details.term
    this.members = details.members
  }

  /** Prints a line above the prompt without disturbing what the user is typing. */
  say (text: string): void {
    if (this.tty) {
      this.io.stdout.write(`\r\x1b[K${text}\n`)
      this.rl.prompt(true)
    } else {
      this.io.stdout.write(`${text}\n`)
    }
  }

  presence (): string {
    const who = (ms: MemberView[]): string => ms.map(m => sanitize(this.names.of(m.peerId), true)).join(', ')
    const online = this.members.filter(m => m.online)
    const offline = this.members.filter(m => !m.online)
    const host = this.host == null ? '(none: election in progress)' : sanitize(this.names.of(this.host), true)
    let line = `host: ${host} (term ${this.term}) · online: ${online.length === 0 ? '(nobody)' : who(online)}`
    if (offline.length > 0) line += ` · offline: ${who(offline)}`
    return line
  }

  onEvent (ev: NodeEvent): void {
    if (ev.roomId !== this.room.roomId) return
    switch (ev.type) {
      case 'message': {
        if (ev.message.index <= this.lastIndex) return
        this.lastIndex = ev.message.index
        this.say(formatMessage(ev.message, this.names))
        return
      }
      case 'receipt':
        if (!this.receipts.has(ev.id)) {
          if (!ev.id.startsWith(`${this.self.peerId}:`)) return
          // may be for the message being sent, whose id the node has not told us yet: hold it
          if (this.sending) {
            this.held.push({ id: ev.id, status: ev.status })
            return
          }
        }
        this.receipt(ev.id, ev.status)
        return
      case 'host': {
        const before = this.host
        this.term = ev.term
        if (ev.host === before) return
        this.host = ev.host
        this.say(`host changed: ${sanitize(this.names.of(before), true)} → ${sanitize(this.names.of(ev.host), true)} (term ${ev.term})`)
        this.say(this.presence())
        return
      }
      case 'members': {
        this.names.update(ev.members)
        const changes = this.memberChanges(this.members, ev.members)
        this.members = ev.members
        if (changes.length === 0) return
        for (const c of changes) this.say(c)
        this.say(this.presence())
      }
    }
  }

  async handleLine (line: string): Promise<void> {
    const command = line.trim()
    if (command === '') return
    if (command.startsWith('/') && !command.startsWith('//')) {
      if (command === '/help') this.say(HELP)
      else if (command === '/status') {
        try {
          this.say(formatRoomDetails(await this.client.room(this.room.roomId), this.self).trimEnd())
        } catch (err) {
          this.say(`demes: ${oneLine((err as Error).message)}`)
        }
      } else this.say(`unknown command ${command.split(/\s/)[0]} (/help lists them)`)
      return
    }
    const text = command.startsWith('//') ? line.replace(/^(\s*)\//, '$1') : line
    this.sending = true
    try {
      const res = await this.client.send(this.room.roomId, text)
      this.receipts.set(res.id, { text, rank: -1 })
      this.receipt(res.id, res.status)
    } catch (err) {
      this.say(`demes: message not sent: ${oneLine((err as Error).message)}`)
    } finally {
      this.sending = false
      const held = this.held.splice(0)
      for (const r of held) this.receipt(r.id, r.status)
    }
  }

  private receipt (id: string, status: ReceiptStatus): void {
    const rank = RECEIPT_RANK[status]
    if (rank == null) return
    const entry = this.receipts.get(id) ?? { rank: -1 }
    if (rank <= entry.rank) return
    entry.rank = rank
    this.receipts.set(id, entry)
    if (status === 'sequenced') return
    const what = entry.text != null ? JSON.stringify(snippet(sanitize(entry.text, true))) : id
    this.say(`  ${what}: ${status}`)
  }

  private memberChanges (before: MemberView[], after: MemberView[]): string[] {
    const old = new Map(before.map(m => [m.peerId, m]))
    const now = new Map(after.map(m => [m.peerId, m]))
    const out: string[] = []
    const name = (peerId: string): string => sanitize(this.names.of(peerId), true)
    for (const m of after) {
      const prev = old.get(m.peerId)
      if (prev == null) out.push(`${name(m.peerId)} joined the room${m.online ? '' : ' (offline)'}`)
      else if (prev.online !== m.online) out.push(`${name(m.peerId)} is ${m.online ? 'online' : 'offline'}`)
    }
    for (const m of before) if (!now.has(m.peerId)) out.push(`${name(m.peerId)} left the room`)
    return out
  }
}

function snippet (text: string, max = 40): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…'
}
