// `demes room create NAME`
import type { Command } from 'commander'
import { MAX_ROOM_NAME_LENGTH } from '../../node/api-types.js'
import { DemesClient } from '../client.js'
import { addClientOptions, addJsonOption, printJson, UsageError, type ClientFlags, type Io, type JsonFlag } from '../common.js'

export function register (parent: Command, io: Io): void {
  addJsonOption(addClientOptions(parent
    .command('create')
    .argument('<name>', 'the room name')
    .description('create a room; you are its first member and its host')))
    .action(async (name: string, opts: ClientFlags & JsonFlag) => {
      const roomName = name.trim()
      if (roomName === '') throw new UsageError('the room name is empty')
      if (roomName.length > MAX_ROOM_NAME_LENGTH) throw new UsageError(`the room name is longer than ${MAX_ROOM_NAME_LENGTH} characters`)
      const client = await DemesClient.connect(opts, io.env)
      const res = await client.createRoom(roomName)
      if (opts.json === true) printJson(io, res)
      else io.stdout.write(`created room ${JSON.stringify(roomName)}: ${res.roomId}\n`)
    })
}
