// `demes room list`
import type { Command } from 'commander'
import { DemesClient } from '../client.js'
import { addClientOptions, addJsonOption, printJson, sanitize, type ClientFlags, type Io, type JsonFlag } from '../common.js'

export function register (parent: Command, io: Io): void {
  addJsonOption(addClientOptions(parent
    .command('list')
    .description('list the rooms this node is a member of')))
    .action(async (opts: ClientFlags & JsonFlag) => {
      const client = await DemesClient.connect(opts, io.env)
      const rooms = await client.listRooms()
      if (opts.json === true) {
        printJson(io, { rooms })
        return
      }
      if (rooms.length === 0) {
        io.stdout.write('no rooms (create one with `demes room create NAME`, or join one with `demes room join INVITE`)\n')
        return
      }
      const width = Math.max(...rooms.map(r => r.roomId.length), 'ROOM ID'.length)
      io.stdout.write(`${'ROOM ID'.padEnd(width)}  NAME\n`)
      for (const r of rooms) io.stdout.write(`${r.roomId.padEnd(width)}  ${sanitize(r.name, true)}\n`)
    })
}
