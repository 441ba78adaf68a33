// `demes room leave ROOM`
import type { Command } from 'commander'
import { DemesClient } from '../client.js'
import { addClientOptions, sanitize, type ClientFlags, type Io } from '../common.js'

export function register (parent: Command, io: Io): void {
  addClientOptions(parent
    .command('leave')
    .argument('<room>', 'room id or name')
    .description('leave a room'))
    .action(async (roomArg: string, opts: ClientFlags) => {
      const client = await DemesClient.connect(opts, io.env)
      const room = await client.resolveRoom(roomArg)
      await client.leave(room.roomId)
      io.stdout.write(`left room ${JSON.stringify(sanitize(room.name, true))}: ${room.roomId}\n`)
    })
}
