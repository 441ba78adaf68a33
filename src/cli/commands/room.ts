// `demes room …`: the room group; each subcommand lives in its own file.
import type { Command } from 'commander'
import type { Io } from '../common.js'
import { register as registerCreate } from './room-create.js'
import { register as registerInvite } from './room-invite.js'
import { register as registerJoin } from './room-join.js'
import { register as registerLeave } from './room-leave.js'
import { register as registerList } from './room-list.js'

export function register (parent: Command, io: Io): void {
  const room = parent
    .command('room')
    .description('create, list, invite to, join and leave rooms')
  registerCreate(room, io)
  registerList(room, io)
  registerInvite(room, io)
  registerJoin(room, io)
  registerLeave(room, io)
}
