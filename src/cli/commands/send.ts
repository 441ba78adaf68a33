// `demes send ROOM TEXT...`
import type { Command } from 'commander'
import { DemesClient } from '../client.js'
import { addClientOptions, addJsonOption, printJson, UsageError, type ClientFlags, type Io, type JsonFlag } from '../common.js'

export function register (parent: Command, io: Io): void {
  addJsonOption(addClientOptions(parent
    .command('send')
    .argument('<room>', 'room id or name')
    .argument('<text...>', 'the message (several words are joined with spaces)')
    .description('send a message to a room; it is pending until the host orders it')))
    .action(async (roomArg: string, words: string[], opts: ClientFlags & JsonFlag) => {
      const text = words.join(' ')
      if (text.trim() === '') throw new UsageError('the message is empty')
      const client = await DemesClient.connect(opts, io.env)
      const room = await client.resolveRoom(roomArg)
      const res = await client.send(room.roomId, text)
      if (opts.json === true) printJson(io, res)
      else io.stdout.write(`sent ${res.id} (${res.status})\n`)
    })
}
