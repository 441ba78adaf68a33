// `demes search ROOM WORDS... [--limit N] [--before INDEX]`: full-text search of committed messages, newest first.
import type { Command } from 'commander'
import { MAX_QUERY_LENGTH, MAX_SEARCH_LIMIT } from '../../store/history.js'
import { DemesClient } from '../client.js'
import { addClientOptions, addJsonOption, intOption, UsageError, type ClientFlags, type Io, type JsonFlag } from '../common.js'
import { printMessages } from './history.js'

export const DEFAULT_LIMIT = 20

interface SearchFlags extends ClientFlags, JsonFlag {
  limit?: number
  before?: number
}

export function register (parent: Command, io: Io): void {
  addJsonOption(addClientOptions(parent
    .command('search')
    .argument('<room>', 'room id or name')
    .argument('<words...>', 'what to look for: messages with every word (whole words, any case, accents ignored; quotes and operators are plain text)')
    .description('search the room\'s committed messages, newest first')
    .option('--limit <n>', `at most N messages (1..${MAX_SEARCH_LIMIT}; default ${DEFAULT_LIMIT})`, intOption(1, MAX_SEARCH_LIMIT))
    .option('--before <index>', 'only messages before this log index (the next page: the last index shown)', intOption(0))))
    .action(async (roomArg: string, words: string[], opts: SearchFlags) => {
      const query = words.join(' ')
      if (query.trim() === '') throw new UsageError('the search words are empty')
      if (query.length > MAX_QUERY_LENGTH) throw new UsageError(`the search words are longer than ${MAX_QUERY_LENGTH} characters`)
      const limit = opts.limit ?? DEFAULT_LIMIT
      const client = await DemesClient.connect(opts, io.env)
      const room = await client.resolveRoom(roomArg)
      const messages = await client.search(room.roomId, query, { limit, before: opts.before })
      await printMessages(io, client, room.roomId, messages, opts.json === true, 'no messages found')
      // A full page may have more behind it.
      if (opts.json !== true && messages.length === limit) io.stdout.write(`(older matches: --before ${messages[messages.length - 1].index})\n`)
    })
}
