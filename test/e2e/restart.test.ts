import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { stablePorts } from '../helpers/ports.js'
import { spawnDaemon } from '../helpers/daemon-process.js'
import { waitForValue } from '../helpers/wait.js'

// Real `demes start` daemons on TCP loopback with their SQLite databases: kill -9 and restart on the
// same data directory and the same listen port; driven only through the HTTP API.
const CLI = join(process.cwd(), 'dist/src/cli/demes.js')

/** A running daemon; `log()` is what it logged so far (DEBUG=demes:daemon, the node's own log). */
interface Daemon { name: string, dir: string, port: number, proc: ChildProcess, api: string, token: string, peerId: string, addrs: string[], log: () => string }
interface Message { index: number, id: string, text: string }
const root = mkdtempSync(join(tmpdir(), 'demes-restart-'))
const procs: ChildProcess[] = []

/** Starts (or restarts, with the same directory and port) a daemon and waits for its node.json. */
async function startDaemon (name: string, port: number, bootstrap: string[] = []): Promise<Daemon> {
  const dir = join(root, name)
  const args = [CLI, 'start', '--data-dir', dir, '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--no-mdns', '--api', '127.0.0.1:0', '--name', name, '--profile', 'fast', ...bootstrap.flatMap(b => ['--bootstrap', b])]
  const { proc, info, stderr } = await spawnDaemon(process.execPath, args, dir, { ...process.env, DEBUG: 'demes:daemon' })
  procs.push(proc)
  return { name, dir, port, proc, api: info.api, token: info.token, peerId: info.peerId, addrs: info.addrs, log: stderr }
}

async function kill9 (d: Daemon): Promise<void> {
  const exited = new Promise(resolve => d.proc.once('exit', resolve))
  d.proc.kill('SIGKILL')
  await exited
}

async function api<T = any> (d: Daemon, method: string, path: string, body?: unknown): Promise<{ status: number, body: T }> {
  const res = await fetch(`${d.api}/api/v1${path}`, { method, headers: { authorization: `Bearer ${d.token}`, ...(body != null ? { 'content-type': 'application/json' } : {}) }, body: body != null ? JSON.stringify(body) : undefined })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

async function allMessages (d: Daemon, roomId: string): Promise<Message[]> {
  const out: Message[] = []
  let after = 0
  for (;;) {
    const page = await api(d, 'GET', `/rooms/${roomId}/messages?after=${after}&limit=1000`)
    out.push(...page.body.messages.map((m: Message) => ({ index: m.index, id: m.id, text: m.text })))
    if (page.body.messages.length < 1000) return out
    after = page.body.messages.at(-1).index
  }
}

/** Every daemon's outbox is empty and all hold the same log with `count` messages at least. */
async function converged (ds: Daemon[], roomId: string, atLeast: number): Promise<Message[]> {
  return await waitForValue(async () => {
    const outboxes = await Promise.all(ds.map(async d => (await api(d, 'GET', `/rooms/${roomId}/outbox`)).body.outbox.length))
    if (outboxes.some(n => n > 0)) return undefined
    const logs = await Promise.all(ds.map(async d => allMessages(d, roomId)))
    if (logs[0].length < atLeast || logs.some(l => JSON.stringify(l) !== JSON.stringify(logs[0]))) return undefined
    return logs[0]
  }, 60_000)
}

/** Nothing acknowledged is missing or changed, and nothing is there twice. */
function checkLog (log: Message[], acknowledged: Map<string, string>): void {
  const ids = log.map(m => m.id)
  expect(new Set(ids).size).toBe(ids.length)
  const texts = log.map(m => m.text)
  expect(new Set(texts).size).toBe(texts.length) // a resent submission under a new seq would show here
  const byId = new Map(log.map(m => [m.id, m.text]))
  const missing = [...acknowledged].filter(([id, text]) => byId.get(id) !== text)
  expect(missing).toEqual([])
}

function integrityCheck (d: Daemon): string[] {
  // A second connection next to the running daemon (WAL allows it).
  const db = new Database(join(d.dir, 'demes.db'))
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map(r => r.integrity_check)
  } finally {
    db.close()
  }
}

beforeAll(() => {
  // The daemons run the compiled CLI; `npm test` builds first, a lone jest run may not have.
  if (!existsSync(CLI)) expect(spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' }).status).toBe(0)
})

afterAll(async () => {
  for (const p of procs) if (p.exitCode == null && p.signalCode == null) p.kill('SIGKILL')
  rmSync(root, { recursive: true, force: true })
})

describe('daemons restarted on the same data directory (SQLite)', () => {
  let a: Daemon, b: Daemon, c: Daemon
  let roomId: string
  const acknowledged = new Map<string, string>() // id -> text, answered 202 by some daemon
  let n = 0

  /** Sends from `d` one after another until `stop()` says so or the daemon stops answering. */
  const writer = (d: Daemon, stop: () => boolean) => (async () => {
    while (!stop()) {
      const text = `${d.name}-${n++}`
      let res
      try {
        res = await api(d, 'POST', `/rooms/${roomId}/messages`, { text })
      } catch {
        return // killed
      }
      if (res.status === 202) acknowledged.set(res.body.id, text)
    }
  })()

  test('kill -9 of a member during a write burst, restart: nothing acknowledged lost, nothing twice, logs identical', async () => {
    const [pa, pb, pc] = await stablePorts(3)
    a = await startDaemon('a', pa)
    b = await startDaemon('b', pb, [a.addrs[0]])
    c = await startDaemon('c', pc, [a.addrs[0]])
    roomId = (await api(a, 'POST', '/rooms', { name: 'durable' })).body.roomId
    for (const joiner of [b, c]) {
      const invite = (await api(a, 'POST', `/rooms/${roomId}/invites`, {})).body.invite as string
      expect((await api(joiner, 'POST', '/join', { invite })).status).toBe(200)
    }
    const host = (await api(a, 'GET', `/rooms/${roomId}`)).body.host as string
    const [victim, ...others] = [b, c, a].sort((x, y) => Number(x.peerId === host) - Number(y.peerId === host))
    expect(victim.peerId).not.toBe(host)

    // Everyone writes; the victim is killed in the middle of its burst.
    let stopOthers = false
    const victimSent = (): number => [...acknowledged.keys()].filter(id => id.startsWith(victim.peerId)).length
    const writers = [victim, ...others].map(d => writer(d, () => d === victim ? false : stopOthers))
    await waitForValue(() => victimSent() >= 40)
    await kill9(victim)
    const ackedByVictim = victimSent()
    await new Promise(resolve => setTimeout(resolve, 500)) // the others go on without it for a while
    stopOthers = true
    await Promise.all(writers)

    // Same directory, same port, same flags.
    const restarted = await startDaemon(victim.name, victim.port, [a.addrs[0]])
    if (victim === b) b = restarted; else c = restarted
    // Its history and outbox came back from disk at once, before it caught up.
    const early = await allMessages(restarted, roomId)
    expect(early.length).toBeGreaterThan(0)
    const log = await converged([a, b, c], roomId, acknowledged.size)
    checkLog(log, acknowledged)
    expect(log.filter(m => m.id.startsWith(victim.peerId)).length).toBeGreaterThanOrEqual(ackedByVictim)
    for (const d of [a, b, c]) expect(integrityCheck(d)).toEqual(['ok'])
  }, 180_000)

  test('all three killed -9 and restarted (no bootstrap: addresses from the database): full history, a host, chat goes on', async () => {
    expect(roomId).toBeDefined()
    const before = await allMessages(a, roomId)
    // Writes in flight from every member when all of them die.
    let stop = false
    const writers = [a, b, c].map(d => writer(d, () => stop))
    await new Promise(resolve => setTimeout(resolve, 300))
    await Promise.all([a, b, c].map(kill9))
    stop = true
    await Promise.all(writers)

    c = await startDaemon('c', c.port)
    a = await startDaemon('a', a.port)
    b = await startDaemon('b', b.port)
    const all = [a, b, c]
    const host = await waitForValue(async () => (await api(a, 'GET', `/rooms/${roomId}`)).body.host as string | null ?? undefined)
    expect(all.map(d => d.peerId)).toContain(host)
    const log = await converged(all, roomId, acknowledged.size)
    expect(log.slice(0, before.length)).toEqual(before)
    checkLog(log, acknowledged)

    for (const d of all) expect((await api(d, 'POST', `/rooms/${roomId}/messages`, { text: `${d.name} after the restart` })).status).toBe(202)
    const after = await converged(all, roomId, log.length + 3)
    for (const d of all) expect(after.map(m => m.text)).toContain(`${d.name} after the restart`)
    for (const d of all) expect(integrityCheck(d)).toEqual(['ok'])

    // A clean stop closes the database; it opens again without complaint.
    for (const d of all) {
      const exited = new Promise(resolve => d.proc.once('exit', resolve))
      d.proc.kill('SIGTERM')
      await exited
    }
    const db = new Database(join(a.dir, 'demes.db'), { readonly: true })
    expect(db.pragma('quick_check', { simple: true })).toBe('ok')
    db.close()
  }, 180_000)

  test('a daemon whose database is garbage refuses to start, names the file, and leaves it as it was', () => {
    const dir = join(root, 'broken')
    mkdirSync(dir, { recursive: true })
    const garbage = Buffer.from('not a database '.repeat(500))
    writeFileSync(join(dir, 'demes.db'), garbage)
    const r = spawnSync(process.execPath, [CLI, 'start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--api', '127.0.0.1:0', '--name', 'broken'], { encoding: 'utf8', timeout: 30_000 })
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain(join(dir, 'demes.db'))
    expect(r.stderr).toMatch(/not a database/)
    expect(r.stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace
    expect(readFileSync(join(dir, 'demes.db'))).toEqual(garbage)
  })
})

describe('an offline member catching up', () => {
  test('a member killed while 10,000 messages were sent is brought up to date as soon as it is back, without anyone writing', async () => {
    const ports = await stablePorts(3)
    const p = await startDaemon('p', ports[0])
    const q = await startDaemon('q', ports[1], [p.addrs[0]])
    let r = await startDaemon('r', ports[2], [p.addrs[0]])
    const roomId = (await api(p, 'POST', '/rooms', { name: 'catch-up' })).body.roomId as string
    for (const joiner of [q, r]) {
      const invite = (await api(p, 'POST', `/rooms/${roomId}/invites`, {})).body.invite as string
      expect((await api(joiner, 'POST', '/join', { invite })).status).toBe(200)
    }
    await kill9(r)

    // 10,000 messages from the two members that stayed, 16 requests in flight.
    const TOTAL = 10_000
    const acknowledged = new Map<string, string>()
    let next = 0
    await Promise.all(Array.from({ length: 16 }, async (_, w) => {
      const d = w % 2 === 0 ? p : q
      while (next < TOTAL) {
        const text = `catch-up ${next++}`
        const res = await api(d, 'POST', `/rooms/${roomId}/messages`, { text })
        expect(res.status).toBe(202)
        acknowledged.set(res.body.id, text)
      }
    }))
    const target = await waitForValue(async () => {
      const [outP, outQ] = await Promise.all([p, q].map(async d => (await api(d, 'GET', `/rooms/${roomId}/outbox`)).body.outbox.length))
      return outP === 0 && outQ === 0 ? (await api(p, 'GET', `/rooms/${roomId}`)).body.commitIndex as number : undefined
    }, 120_000)
    expect(target).toBeGreaterThan(TOTAL)

    // Back on the same directory and port; nobody writes from here on.
    r = await startDaemon('r', ports[2])
    const before = (await api(r, 'GET', `/rooms/${roomId}`)).body.commitIndex as number
    expect(before).toBeLessThan(target)
    // The API shows the progress on the way: the host's commit index ahead of the member's own. The
    // hosts compacted their logs every 2,000 entries (the default), so the member catches up by
    // snapshot, which tells it the host's commit index is at least the snapshot's.
    let sawProgress = false
    await waitForValue(async () => {
      const { commitIndex, hostCommitIndex } = (await api(r, 'GET', `/rooms/${roomId}`)).body as { commitIndex: number, hostCommitIndex: number }
      if (hostCommitIndex > commitIndex && hostCommitIndex >= TOTAL) sawProgress = true
      return commitIndex >= target ? true : undefined
    }, 60_000)
    expect(sawProgress).toBe(true)
    const log = await converged([p, q, r], roomId, TOTAL)
    expect(log).toHaveLength(TOTAL)
    checkLog(log, acknowledged)
    expect(integrityCheck(r)).toEqual(['ok'])
    // It holds the snapshot it installed, not the 10,000 entries, in its log, and the snapshot's
    // records were vouched for by the members' history checkpoints, nearly all of them.
    const vouched = /had (\d+) records: (\d+) vouched for by checkpoints/.exec(r.log())
    expect(Number(vouched?.[2])).toBeGreaterThanOrEqual(TOTAL - 2 * 1000)
    const db = new Database(join(r.dir, 'demes.db'), { readonly: true })
    const stored = { snapshot: db.prepare('SELECT idx FROM snapshots WHERE room_id = ?').get(roomId), logRows: db.prepare('SELECT count(*) AS n FROM log WHERE room_id = ?').get(roomId) } as { snapshot?: { idx: number }, logRows: { n: number } }
    db.close()
    expect(stored.snapshot?.idx).toBeGreaterThanOrEqual(TOTAL)
    expect(stored.logRows.n).toBeLessThan(100)
  }, 300_000)
})
