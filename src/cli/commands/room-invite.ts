// `demes room invite ROOM [--ttl SECONDS]`
import type { Command } from 'commander'
import { DemesClient } from '../client.js'
import { addClientOptions, addJsonOption, intOption, printJson, type ClientFlags, type Io, type JsonFlag } from '../common.js'

interface InviteFlags extends ClientFlags, JsonFlag {
  ttl?: number
}

export function register (parent: Command, io: Io): void {
  addJsonOption(addClientOptions(parent
    .command('invite')
    .argument('<room>', 'room id or name')
    .description('create a signed invite code for a room; prints the code')
    .option('--ttl <seconds>', 'how long the invite stays valid (default: the node\'s)', intOption(1))))
    .action(async (roomArg: string, opts: InviteFlags) => {
      const client = await DemesClient.connect(opts, io.env)
      const room = await client.resolveRoom(roomArg)
      const res = await client.createInvite(room.roomId, opts.ttl)
      if (opts.json === true) printJson(io, res)
      else io.stdout.write(`${res.invite}\n`)
    })
}
