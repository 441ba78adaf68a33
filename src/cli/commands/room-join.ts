// `demes room join INVITE`
import type { Command } from 'commander'
import { DemesClient } from '../client.js'
import { addClientOptions, addJsonOption, printJson, sanitize, UsageError, type ClientFlags, type Io, type JsonFlag } from '../common.js'

/** The invite code's version prefix (INVITE_PREFIX in src/crypto/invite.ts, not imported to keep the CLI light). */
export const INVITE_PREFIX = 'demes1'

export function register (parent: Command, io: Io): void {
  addJsonOption(addClientOptions(parent
    .command('join')
    .argument('<invite>', `an invite code (${INVITE_PREFIX}…) from \`demes room invite\``)
    .description('join a room with an invite code; waits until this node is a member')))
    .action(async (inviteArg: string, opts: ClientFlags & JsonFlag) => {
      const invite = inviteArg.trim()
      if (!invite.startsWith(INVITE_PREFIX) || invite.length === INVITE_PREFIX.length) {
        throw new UsageError(`not a DeMeS invite code (it starts with ${INVITE_PREFIX})`)
      }
      const client = await DemesClient.connect(opts, io.env)
      const res = await client.join(invite)
      if (opts.json === true) {
        printJson(io, res)
        return
      }
      const name = await client.listRooms().then(rooms => rooms.find(r => r.roomId === res.roomId)?.name, () => undefined)
      io.stdout.write(name == null ? `joined room ${res.roomId}\n` : `joined room ${JSON.stringify(sanitize(name, true))}: ${res.roomId}\n`)
    })
}
