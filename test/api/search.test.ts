// Search end to end through the HTTP API: a real DemesNode on SQLite (FTS5) behind the real server.
// Whatever a client puts into q, the answer is results or a clear 400, never a 500.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import fc from 'fast-check'
import { startApiServer, type ApiServer } from '../../src/api/server.js'
import type { MessageView } from '../../src/node/api-types.js'
import { createDemesLibp2p, type DemesLibp2p } from '../../src/net/node.js'
import { DemesNode } from '../../src/node/node.js'
import { SqliteStorage } from '../../src/store/sqlite.js'
import { waitFor } from '../helpers/wait.js'

const TOKEN = 'search-test-token'
const root = mkdtempSync(join(tmpdir(), 'demes-api-search-'))
let libp2p: DemesLibp2p
let node: DemesNode
let storage: SqliteStorage
let server: ApiServer
let roomId: string

const TEXTS = [
  'good morning everyone',
  'Morning! Coffee is ready',
  'say "hi" OR NEAR(me) - *now*',
  'the café opens at nine',
  "don't forget the meeting",
  'SELECT * FROM messages; -- not SQL here',
  'good night'
]

beforeAll(async () => {
  const privateKey = await generateKeyPair('Ed25519')
  libp2p = await createDemesLibp2p({ transport: 'memory', mdns: false, privateKey, listen: [`/memory/${crypto.randomUUID()}`] })
  storage = SqliteStorage.open(join(root, 'demes.db'))
  node = new DemesNode({ libp2p, privateKey, name: 'alice', profile: 'fast', logger: defaultLogger().forComponent('demes:test:search'), storage })
  await node.start()
  server = await startApiServer({ node, host: '127.0.0.1', port: 0, token: TOKEN })
  roomId = (await node.createRoom('team')).roomId
  await waitFor(() => node.room(roomId).host != null)
  for (const text of TEXTS) await node.send(roomId, text)
  await waitFor(() => node.messages(roomId).length === TEXTS.length)
})

afterAll(async () => {
  await server.close()
  await node.stop()
  await libp2p.stop()
  storage.close()
  rmSync(root, { recursive: true, force: true })
})

async function search (query: string, extra = ''): Promise<{ status: number, body: any }> {
  const res = await fetch(`${server.url}/api/v1/rooms/${roomId}/search?q=${encodeURIComponent(query)}${extra}`, { headers: { authorization: `Bearer ${TOKEN}` } })
  return { status: res.status, body: await res.json() }
}

const texts = (body: { messages: MessageView[] }): string[] => body.messages.map(m => m.text)

describe('GET /rooms/{roomId}/search on a real node', () => {
  test('finds messages by their words, newest first, in the shape of /messages', async () => {
    const res = await search('morning')
    expect(res.status).toBe(200)
    expect(texts(res.body)).toEqual(['Morning! Coffee is ready', 'good morning everyone'])
    const all = node.messages(roomId)
    expect(res.body.messages[1]).toEqual(all[0])
    expect(texts((await search('cafe')).body)).toEqual(['the café opens at nine'])
    expect(texts((await search("don't")).body)).toEqual(["don't forget the meeting"])
    expect(texts((await search('GOOD', '&limit=1')).body)).toEqual(['good night'])
    const before = (await search('good')).body.messages[0].index
    expect(texts((await search('good', `&before=${String(before)}`)).body)).toEqual(['good morning everyone'])
  })

  test('operators, quotes and SQL in q are words or nothing: results or a clear 400, never a 500', async () => {
    const found = async (q: string): Promise<string[]> => {
      const res = await search(q)
      expect({ q, status: res.status }).toEqual({ q, status: 200 })
      return texts(res.body)
    }
    expect(await found('"hi"')).toEqual(['say "hi" OR NEAR(me) - *now*'])
    expect(await found('OR')).toEqual(['say "hi" OR NEAR(me) - *now*'])
    expect(await found('NEAR(')).toEqual(['say "hi" OR NEAR(me) - *now*'])
    expect(await found('NEAR(good night)')).toEqual([])
    expect(await found('good OR coffee')).toEqual([])
    expect(await found('good -night')).toEqual(['good night'])
    expect(await found('mor*')).toEqual([])
    expect(await found('text:good')).toEqual([])
    expect(await found('"good')).toEqual(['good night', 'good morning everyone'])
    expect(await found("'); DROP TABLE messages; --")).toEqual([])
    expect(await found('SELECT * FROM messages')).toEqual(['SELECT * FROM messages; -- not SQL here'])
    for (const q of ['"', '*', '-', '""', '( )', '^', ':']) {
      const res = await search(q)
      expect({ q, status: res.status, code: res.body.error?.code }).toEqual({ q, status: 400, code: 'bad-request' })
      expect(res.body.error.message).toMatch(/no words/)
    }
    // The history is intact afterwards.
    expect(node.messages(roomId)).toHaveLength(TEXTS.length)
  })

  test('random queries: always 200 with at most `limit` messages, or 400 (property)', async () => {
    const unit = fc.constantFrom('a', 'g', 'o', 'd', ' ', '"', "'", '*', '-', '(', ')', ':', '^', '{', '}', 'N', 'E', 'A', 'R', 'O', '%', '\\', '😀', 'é', ';')
    await fc.assert(fc.asyncProperty(fc.string({ unit, minLength: 1, maxLength: 30 }), async q => {
      const res = await search(q, '&limit=3')
      expect([200, 400]).toContain(res.status)
      if (res.status === 200) expect(res.body.messages.length).toBeLessThanOrEqual(3)
      else expect(res.body.error.code).toBe('bad-request')
    }), { numRuns: 200 })
  })

  test('limits: q up to 256 characters, limit up to 100', async () => {
    expect((await search(`good ${'x'.repeat(251)}`)).status).toBe(200)
    expect((await search('x'.repeat(257))).status).toBe(400)
    expect((await search('good', '&limit=100')).status).toBe(200)
    expect((await search('good', '&limit=101')).status).toBe(400)
    expect((await search(Array.from({ length: 17 }, () => 'good').join(' '))).body.error.message).toMatch(/more than 16 words/)
  })
})
