// `demes status [ROOM]`: this node, or one room's host, term, commit index and members.
import type { Command } from 'commander'
import type { NodeInfo, RoomDetails } from '../../node/api-types.js'
import { DemesClient } from '../client.js'
import { addClientOptions, addJsonOption, PeerNames, printJson, sanitize, type ClientFlags, type Io, type JsonFlag } from '../common.js'

export function formatNodeInfo (info: NodeInfo): string {
  const lines = [
    `peer id:   ${info.peerId}`,
    `name:      ${sanitize(info.name, true)}`,
    `addresses: ${info.addrs.length === 0 ? '(none)' : info.addrs[0]}`,
    ...info.addrs.slice(1).map(a => `           ${a}`)
  ]
  return lines.join('\n') + '\n'
}

export function formatRoomDetails (room: RoomDetails, self?: NodeInfo): string {
  const names = new PeerNames(room.members, self)
  const online = room.members.filter(m => m.online).length
  const lines = [
    `room:         ${sanitize(room.name, true)} (${room.roomId})`,
    `host:         ${room.host == null ? '(none: election in progress)' : `${names.of(room.host)} ${room.host}`}`,
    `term:         ${room.term}`,
    `commit index: ${room.commitIndex}${room.hostCommitIndex > room.commitIndex ? ` (catching up: ${room.commitIndex} of ${room.hostCommitIndex}, ${Math.floor(100 * room.commitIndex / room.hostCommitIndex)} %)` : ''}`,
    ...(room.historyIndex < room.commitIndex ? [`history:      filling in: ${room.historyIndex} of ${room.commitIndex}, ${Math.floor(100 * room.historyIndex / room.commitIndex)} %`] : []),
    `members:      ${room.members.length} (${online} online)`
  ]
  const rows = room.members.map(m => [
    sanitize(names.of(m.peerId), true),
    m.role,
    m.online ? 'online' : 'offline',
    m.peerId === room.host ? 'host' : room.backups.includes(m.peerId) ? `backup ${room.backups.indexOf(m.peerId) + 1}` : '',
    m.peerId
  ])
  const widths = [0, 1, 2, 3].map(i => Math.max(0, ...rows.map(r => r[i].length)))
  for (const r of rows) lines.push('  ' + r.map((c, i) => i < 4 ? c.padEnd(widths[i]) : c).join('  '))
  return lines.join('\n') + '\n'
}

export function register (parent: Command, io: Io): void {
  addJsonOption(addClientOptions(parent
    .command('status')
    .argument('[room]', 'room id or name (omit for this node)')
    .description('show this node (peer id, name, addresses), or a room: host, term, commit index, members')))
    .action(async (roomArg: string | undefined, opts: ClientFlags & JsonFlag) => {
      const client = await DemesClient.connect(opts, io.env)
      if (roomArg == null) {
        const info = await client.info()
        if (opts.json === true) printJson(io, info)
        else io.stdout.write(formatNodeInfo(info))
        return
      }
      const room = await client.resolveRoom(roomArg)
      const details = await client.room(room.roomId)
      if (opts.json === true) {
        printJson(io, details)
        return
      }
      const self = await client.info().catch(() => undefined)
      io.stdout.write(formatRoomDetails(details, self))
    })
}
