// `demes history ROOM [--limit N] [--after INDEX | --before INDEX]`: committed messages in log order.
import type { Command } from 'commander'
import type { MessageView } from '../../node/api-types.js'
import { DemesClient } from '../client.js'
import { addClientOptions, addJsonOption, formatTime, indentContinuation, intOption, PeerNames, printJson, sanitize, UsageError, type ClientFlags, type Io, type JsonFlag } from '../common.js'

export const MAX_LIMIT = 1000

interface HistoryFlags extends ClientFlags, JsonFlag {
  limit?: number
  after?: number
  before?: number
}

/** `[time] name: text`, continuation lines indented under the text. */
export function formatMessage (m: MessageView, names: PeerNames, prefix = '', now?: number): string {
  const head = `${prefix}[${formatTime(m.sentAt, now)}] ${sanitize(names.of(m.sender), true)}: `
  return head + indentContinuation(sanitize(m.text), head.length)
}

/** Prints a page of messages (as JSON with --json), naming senders after the room's members. */
export async function printMessages (io: Io, client: DemesClient, roomId: string, messages: MessageView[], json: boolean, none: string): Promise<void> {
  if (json) {
    printJson(io, { messages })
    return
  }
  if (messages.length === 0) {
    io.stdout.write(`${none}\n`)
    return
  }
  const [details, self] = await Promise.all([
    client.room(roomId).catch(() => undefined),
    client.info().catch(() => undefined)
  ])
  const names = new PeerNames(details?.members, self)
  for (const m of messages) io.stdout.write(formatMessage(m, names, `#${m.index} `) + '\n')
}

export function register (parent: Command, io: Io): void {
  addJsonOption(addClientOptions(parent
    .command('history')
    .argument('<room>', 'room id or name')
    .description('print committed messages, oldest first')
    .option('--limit <n>', `at most N messages (1..${MAX_LIMIT}; default 100)`, intOption(1, MAX_LIMIT))
    .option('--after <index>', 'only messages after this log index (default 0)', intOption(0))
    .option('--before <index>', 'page backwards: the last messages before this log index', intOption(0))))
    .action(async (roomArg: string, opts: HistoryFlags) => {
      if (opts.after != null && opts.before != null) throw new UsageError('give --after or --before, not both')
      const client = await DemesClient.connect(opts, io.env)
      const room = await client.resolveRoom(roomArg)
      const messages = await client.messages(room.roomId, { after: opts.after, before: opts.before, limit: opts.limit })
      await printMessages(io, client, room.roomId, messages, opts.json === true, 'no messages')
    })
}
