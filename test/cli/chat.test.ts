// `demes chat` with a fake stdin: history, live messages from the event stream, sending typed
// lines, receipts, host changes, presence, /status, /quit and end of input.
import { main } from '../../src/cli/demes.js'
import { BOB, CAROL, captureIo, FakeApi, SELF, TOKEN, waitFor, type CapturedIo } from './fake-api.js'

const DAVE = '12D3KooWDaveDaveDaveDaveDaveDaveDaveDave0004'
let api: FakeApi
beforeEach(async () => {
  api = await new FakeApi().start()
  api.addRoom('r-1', 'general', [
    { peerId: SELF.peerId, name: 'alice', role: 'voter', online: true },
    { peerId: BOB, name: 'bob', role: 'voter', online: true },
    { peerId: CAROL, name: 'carol', role: 'voter', online: false }
  ], BOB)
  api.addMessage('r-1', BOB, 'old one')
  api.addMessage('r-1', SELF.peerId, 'old two')
})
afterEach(async () => { await api.stop() })

function startChat (...extra: string[]): { c: CapturedIo, done: Promise<number> } {
  const c = captureIo({ DEMES_API: api.url, DEMES_TOKEN: TOKEN })
  return { c, done: main(['chat', 'general', ...extra], c.io) }
}

async function ready (c: CapturedIo): Promise<void> {
  await waitFor(() => api.streamCount === 1 && c.out().includes('old two'), 'the chat to start')
}

test('history, live messages, sending, receipts, host change, presence, /status, end of input', async () => {
  const { c, done } = startChat()
  await ready(c)
  expect(api.calls('GET', '/api/v1/events')[0].query.get('room')).toBe('r-1')
  const start = c.out()
  expect(start).toContain('chat in room "general" (r-1) as alice')
  expect(start).toContain('host: bob (term 1) · online: alice (you), bob · offline: carol')
  expect(start).toMatch(/\] bob: old one\n.*\] alice \(you\): old two\n/)

  // a message already shown (committed before the stream opened) is not printed twice
  api.emit({ type: 'message', roomId: 'r-1', message: api.rooms.get('r-1')!.messages[1] })
  const fresh = api.addMessage('r-1', BOB, 'hello from bob')
  api.emit({ type: 'message', roomId: 'r-1', message: fresh })
  // events of other rooms are ignored
  api.emit({ type: 'message', roomId: 'r-2', message: { ...fresh, text: 'elsewhere' } })
  await waitFor(() => c.out().includes('bob: hello from bob'), 'the live message')
  expect(c.out().split('old two').length).toBe(2)
  expect(c.out()).not.toContain('elsewhere')

  c.stdin.write('hi bob\n')
  await waitFor(() => c.out().includes('"hi bob": pending'), 'the pending receipt')
  expect(api.calls('POST', '/api/v1/rooms/r-1/messages')[0].body).toEqual({ text: 'hi bob' })
  const id = `${SELF.peerId}:1`
  api.emit({ type: 'receipt', roomId: 'r-1', id, status: 'sequenced' })
  api.emit({ type: 'receipt', roomId: 'r-1', id, status: 'committed' })
  const mine = api.addMessage('r-1', SELF.peerId, 'hi bob')
  api.emit({ type: 'message', roomId: 'r-1', message: { ...mine, id } })
  api.emit({ type: 'receipt', roomId: 'r-1', id, status: 'delivered' })
  api.emit({ type: 'receipt', roomId: 'r-1', id: `${BOB}:9`, status: 'delivered' }) // not ours
  await waitFor(() => c.out().includes('"hi bob": delivered'), 'the delivered receipt')
  expect(c.out()).toContain('"hi bob": committed')
  expect(c.out()).toContain('alice (you): hi bob')
  expect(c.out()).not.toContain('sequenced')
  expect(c.out()).not.toContain(`${BOB}:9`)
  const receipts = c.out().split('\n').filter(l => l.includes('"hi bob":')).map(l => l.trim())
  expect(receipts).toEqual(['"hi bob": pending', '"hi bob": committed', '"hi bob": delivered'])

  api.emit({ type: 'host', roomId: 'r-1', host: CAROL, term: 2 })
  await waitFor(() => c.out().includes('host changed: bob → carol (term 2)'), 'the host change')

  api.emit({
    type: 'members',
    roomId: 'r-1',
    members: [
      { peerId: SELF.peerId, name: 'alice', role: 'voter', online: true },
      { peerId: BOB, name: 'bob', role: 'voter', online: false },
      { peerId: CAROL, name: 'carol', role: 'voter', online: true },
      { peerId: DAVE, name: 'dave', role: 'learner', online: true }
    ]
  })
  await waitFor(() => c.out().includes('dave joined the room'), 'the member change')
  expect(c.out()).toContain('bob is offline')
  expect(c.out()).toContain('carol is online')
  expect(c.out()).toContain('host: carol (term 2) · online: alice (you), carol, dave · offline: bob')

  c.stdin.write('/status\n')
  await waitFor(() => c.out().includes('commit index: 5'), '/status')

  c.stdin.end()
  expect(await done).toBe(0)
  expect(c.err()).toBe('')
  await waitFor(() => api.streamCount === 0, 'the event stream to close')
})

test('/quit exits; nothing typed after it is sent; // sends a leading slash', async () => {
  const { c, done } = startChat('--history', '0')
  await waitFor(() => api.streamCount === 1 && c.out().includes('host:'), 'the chat to start')
  expect(c.out()).not.toContain('old two')
  c.stdin.write('//shrug\n/nope\n/quit\nafter quit\n')
  expect(await done).toBe(0)
  const sent = api.calls('POST', '/api/v1/rooms/r-1/messages').map(r => r.body)
  expect(sent).toEqual([{ text: '/shrug' }])
  expect(c.out()).toContain('unknown command /nope (/help lists them)')
})

test('receipts that arrive before the send is answered still name the message', async () => {
  api.beforeSendReply = async (id) => {
    api.emit({ type: 'receipt', roomId: 'r-1', id, status: 'pending' })
    api.emit({ type: 'receipt', roomId: 'r-1', id, status: 'committed' })
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const { c, done } = startChat()
  await ready(c)
  c.stdin.write('quick\n')
  await waitFor(() => c.out().includes('"quick": committed'), 'the committed receipt')
  c.stdin.end()
  expect(await done).toBe(0)
  const receipts = c.out().split('\n').filter(l => l.includes('quick') || l.includes(SELF.peerId)).map(l => l.trim())
  expect(receipts).toEqual(['"quick": pending', '"quick": committed'])
})

test('a send that fails is reported and the chat goes on', async () => {
  api.override = (req) => req.method === 'POST' ? { status: 503, body: { error: { code: 'unavailable', message: 'no host reachable' } } } : undefined
  const { c, done } = startChat()
  await ready(c)
  c.stdin.write('hello\n')
  await waitFor(() => c.out().includes('demes: message not sent: no host reachable'), 'the error')
  c.stdin.end()
  expect(await done).toBe(0)
})

test('the node closing the event stream ends the chat with exit 1', async () => {
  const { c, done } = startChat()
  await ready(c)
  await api.stop()
  expect(await done).toBe(1)
  expect(c.err()).toMatch(/^demes: (the node closed the event stream|lost the connection to the node: terminated)\n$/)
  api = await new FakeApi().start() // for afterEach
})

test('an unknown room fails before any stream is opened', async () => {
  const c = captureIo({ DEMES_API: api.url, DEMES_TOKEN: TOKEN })
  expect(await main(['chat', 'nope'], c.io)).toBe(1)
  expect(c.err()).toBe('demes: unknown room "nope" (see `demes room list`)\n')
  expect(api.calls('GET', '/api/v1/events')).toHaveLength(0)
})
