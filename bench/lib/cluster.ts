// A room of N real daemons: start them in parallel, create the room on the first, invite and join
// the others through the API, and wait until every member sees N voters and the same host. A member
// that was stopped can be restarted from its data directory (same identity, rooms and address).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { trackDir } from './children.js'
import { waitFor } from './clock.js'
import { Daemon, type Profile, type StoreKind } from './daemon.js'

export class Cluster {
  private constructor (readonly daemons: Daemon[], readonly roomId: string, readonly profile: Profile, readonly root: string, readonly store: StoreKind) {}

  static async start (size: number, profile: Profile, label: string, store: StoreKind = 'sqlite'): Promise<Cluster> {
    const root = mkdtempSync(join(tmpdir(), `demes-bench-${label}-`))
    trackDir(root)
    const daemons: Daemon[] = []
    try {
      // All in parallel: starting a daemon is mostly module loading and key generation.
      const started = await Promise.allSettled(Array.from({ length: size }, async (_, i) => await Daemon.start({ root, name: `n${i}`, profile, store })))
      for (const r of started) if (r.status === 'fulfilled') daemons.push(r.value)
      const failed = started.find(r => r.status === 'rejected')
      if (failed != null) throw (failed as PromiseRejectedResult).reason
      const [first, ...joiners] = daemons as [Daemon, ...Daemon[]]
      const { roomId } = await first.must<{ roomId: string }>('POST', '/rooms', { name: `bench-${label}` }, 201)
      // One join after another: the host admits one membership change at a time anyway, and on an
      // earlier version parallel joins left followers without each other's addresses (the inviter
      // answered before identify had run), so that after a crash the survivors could not elect a
      // host. settled() below checks that every member sees every other one online.
      for (const joiner of joiners) {
        const { invite } = await first.must<{ invite: string }>('POST', `/rooms/${roomId}/invites`, {}, 201)
        await joiner.must('POST', '/join', { invite }, 200)
      }
      const cluster = new Cluster(daemons, roomId, profile, root, store)
      await cluster.settled(20_000)
      return cluster
    } catch (err) {
      await Promise.all(daemons.map(async d => { await d.stop() }))
      throw err
    }
  }

  /** Restarts a stopped member on its data directory and port; resolves once the room has settled again. */
  async restart (member: Daemon): Promise<Daemon> {
    const index = this.daemons.indexOf(member)
    if (index < 0) throw new Error(`${member.name} is not a member of this cluster`)
    await member.stop()
    const fresh = await Daemon.start({ root: this.root, name: member.name, profile: this.profile, port: member.port, store: this.store })
    if (fresh.peerId !== member.peerId) throw new Error(`${member.name} restarted with another identity`)
    this.daemons[index] = fresh
    await this.settled(20_000)
    if (!await this.quiesce(20_000)) throw new Error(`${member.name} did not catch up after its restart`)
    return fresh
  }

  /** Waits until every member reports all members as voters, online, and agrees on one host. */
  async settled (timeoutMs: number): Promise<string> {
    return await waitFor('the room to settle', async () => {
      const views = await Promise.all(this.daemons.map(async d => await d.room(this.roomId)))
      const host = views[0]?.host
      const ok = host != null && views.every(v => v.host === host &&
        v.members.filter(m => m.role === 'voter' && m.online).length === this.daemons.length)
      return ok ? host : undefined
    }, timeoutMs, 50)
  }

  /**
   * Waits (bounded) until the room is quiet: every running member has an empty outbox and the same
   * commit index, so that a backlog from one measurement does not spill into the next.
   */
  async quiesce (timeoutMs: number): Promise<boolean> {
    return await waitFor('the room to drain', async () => {
      const running = this.daemons.filter(d => d.running)
      const views = await Promise.all(running.map(async d => ({ room: await d.room(this.roomId), outbox: await d.outboxLength(this.roomId) })))
      return views.every(v => v.outbox === 0 && v.room.commitIndex === views[0]?.room.commitIndex)
    }, timeoutMs, 100).catch(() => false)
  }

  async host (): Promise<Daemon> {
    const hostId = await this.settled(10_000)
    const host = this.daemons.find(d => d.peerId === hostId)
    if (host == null) throw new Error(`host ${hostId} is not one of the cluster's daemons`)
    return host
  }

  async stop (): Promise<void> {
    await Promise.all(this.daemons.map(async d => { await d.stop() }))
  }
}
