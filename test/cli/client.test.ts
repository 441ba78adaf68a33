// The API client's pure parts: the SSE parser, room resolution, API address normalisation.
import { normalizeApiUrl, parseSse, pickRoom, resolveDataDir, type SseMessage } from '../../src/cli/client.js'
import { sanitize } from '../../src/cli/common.js'

async function collectSse (chunks: string[]): Promise<SseMessage[]> {
  const enc = new TextEncoder()
  async function * source (): AsyncGenerator<Uint8Array> {
    for (const c of chunks) yield enc.encode(c)
  }
  const out: SseMessage[] = []
  for await (const m of parseSse(source())) out.push(m)
  return out
}

describe('parseSse', () => {
  test('events, comments, several data lines, CRLF, chunks split anywhere', async () => {
    const text = ': connected\n\nevent: message\ndata: {"a":1}\n\r\nevent: host\r\ndata: line1\r\ndata:line2\r\nid: 7\r\n\r\ndata: no event name\n\n: keep-alive\n\nevent: empty\n\n'
    const expected: SseMessage[] = [
      { event: 'message', data: '{"a":1}' },
      { event: 'host', data: 'line1\nline2', id: '7' },
      { event: 'message', data: 'no event name', id: '7' }
    ]
    expect(await collectSse([text])).toEqual(expected)
    // every split point, including between \r and \n
    for (let i = 1; i < text.length; i++) {
      expect(await collectSse([text.slice(0, i), text.slice(i)])).toEqual(expected)
    }
    expect(await collectSse(text.split(''))).toEqual(expected)
  })

  test('multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✓\n\n')
    async function * source (): AsyncGenerator<Uint8Array> {
      for (const b of bytes) yield Uint8Array.of(b)
    }
    const out: SseMessage[] = []
    for await (const m of parseSse(source())) out.push(m)
    expect(out).toEqual([{ event: 'message', data: 'héllo ✓' }])
  })

  test('an unterminated last event is dropped', async () => {
    expect(await collectSse(['data: complete\n\ndata: partial\n'])).toEqual([{ event: 'message', data: 'complete' }])
  })
})

describe('pickRoom', () => {
  const rooms = [{ roomId: 'a1', name: 'general' }, { roomId: 'b2', name: 'a1' }, { roomId: 'c3', name: 'dup' }, { roomId: 'd4', name: 'dup' }]
  test('an id first, then a unique exact name', () => {
    expect(pickRoom(rooms, 'a1')).toEqual(rooms[0])
    expect(pickRoom(rooms, 'general')).toEqual(rooms[0])
    expect(() => pickRoom(rooms, 'General')).toThrow('unknown room "General"')
    expect(() => pickRoom(rooms, 'dup')).toThrow('ambiguous room name "dup": 2 rooms have it (use a room id: c3, d4)')
  })
})

test('normalizeApiUrl', () => {
  expect(normalizeApiUrl('127.0.0.1:7420')).toBe('http://127.0.0.1:7420')
  expect(normalizeApiUrl('http://127.0.0.1:7420/')).toBe('http://127.0.0.1:7420')
  expect(normalizeApiUrl('http://127.0.0.1:7420/api/v1')).toBe('http://127.0.0.1:7420')
  expect(normalizeApiUrl('[::1]:7420')).toBe('http://[::1]:7420')
  expect(() => normalizeApiUrl('ftp://x')).toThrow(/invalid API address/)
})

test('resolveDataDir: flag > DEMES_HOME > ~/.demes', () => {
  expect(resolveDataDir('/a', { DEMES_HOME: '/b' }, '/home/u')).toBe('/a')
  expect(resolveDataDir(undefined, { DEMES_HOME: '/b' }, '/home/u')).toBe('/b')
  expect(resolveDataDir(undefined, {}, '/home/u')).toBe('/home/u/.demes')
})

test('sanitize keeps text, neutralises terminal control sequences', () => {
  expect(sanitize('hi\tthere\nnext')).toBe('hi\tthere\nnext')
  expect(sanitize('a\u001b[31mred\r\u0007')).toBe('a\ufffd[31mred\ufffd\ufffd')
  expect(sanitize('a\nb', true)).toBe('a b')
})
