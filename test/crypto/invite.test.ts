import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { Invite, InviteSigningPayload, SignedInvite } from '../../proto/crypto.js'
import { createInvite, INVITE_PREFIX, MAX_INVITE_ADDRS, MAX_INVITE_CODE_LENGTH, parseInvite } from '../../src/crypto/invite.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

const NOW = 1_700_000_000_000
const HOUR = 3_600_000
let alice: Ed25519PrivateKey
let mallory: Ed25519PrivateKey
let aliceId: string

beforeAll(async () => {
  alice = await generateKeyPair('Ed25519')
  mallory = await generateKeyPair('Ed25519')
  aliceId = peerIdFromPrivateKey(alice).toString()
})

const fields = () => ({
  roomId: 'room-1',
  roomName: 'Weekend hike 🥾',
  addrs: [`/ip4/192.0.2.1/tcp/4001/p2p/${aliceId}`, `/ip6/2001:db8::1/tcp/4001/p2p/${aliceId}`],
  expiresAt: NOW + HOUR
})

const decodeCode = (code: string): SignedInvite => SignedInvite.decode(uint8ArrayFromString(code.slice(INVITE_PREFIX.length), 'base64url'))
const encodeCode = (s: SignedInvite): string => INVITE_PREFIX + uint8ArrayToString(SignedInvite.encode(s), 'base64url')
/** Re-sign arbitrary invite contents with any key, bypassing createInvite's checks. */
async function forge (key: Ed25519PrivateKey, invite: Invite): Promise<string> {
  const inviteBytes = Invite.encode(invite)
  const signature = await key.sign(InviteSigningPayload.encode({ domain: 'demes/invite/v1', invite: inviteBytes }))
  return encodeCode({ invite: inviteBytes, signature: new Uint8Array(signature) })
}
const validInvite = (): Invite => ({ ...fields(), inviter: aliceId, nonce: new Uint8Array(16).fill(9) })

test('round trip', async () => {
  const code = await createInvite(alice, fields(), NOW)
  expect(code.startsWith('demes1')).toBe(true)
  expect(code.length).toBeLessThanOrEqual(MAX_INVITE_CODE_LENGTH)
  const parsed = await parseInvite(code, NOW)
  if (!parsed.ok) throw new Error(parsed.reason)
  expect(parsed.invite).toMatchObject({ ...fields(), inviter: aliceId })
  expect(parsed.invite.nonce.byteLength).toBe(16)
  // pasted with surrounding whitespace
  expect((await parseInvite(`  ${code}\n`, NOW)).ok).toBe(true)
})

test('two invites with the same fields differ (random nonce)', async () => {
  expect(await createInvite(alice, fields(), NOW)).not.toBe(await createInvite(alice, fields(), NOW))
})

test('an invite with no addresses is allowed (found on the LAN)', async () => {
  expect((await parseInvite(await createInvite(alice, { ...fields(), addrs: [] }, NOW), NOW)).ok).toBe(true)
})

test('expired invites are rejected', async () => {
  const code = await createInvite(alice, fields(), NOW)
  expect((await parseInvite(code, NOW + HOUR - 1)).ok).toBe(true)
  expect(await parseInvite(code, NOW + HOUR)).toEqual({ ok: false, reason: 'expired' })
  expect(await parseInvite(code, NOW + 2 * HOUR)).toEqual({ ok: false, reason: 'expired' })
})

test('tampered invites are rejected', async () => {
  const signed = decodeCode(await createInvite(alice, fields(), NOW))
  // change the signature
  const sig = new Uint8Array(signed.signature); sig[5] ^= 1
  expect(await parseInvite(encodeCode({ ...signed, signature: sig }), NOW)).toEqual({ ok: false, reason: 'bad-signature' })
  // extend the expiry and redirect to an attacker's address, keeping the original signature
  const invite = Invite.decode(signed.invite)
  for (const change of [{ expiresAt: NOW + 100 * HOUR }, { roomId: 'room-2' }, { addrs: [`/ip4/203.0.113.6/tcp/1/p2p/${aliceId}`] }]) {
    const code = encodeCode({ invite: Invite.encode({ ...invite, ...change }), signature: signed.signature })
    expect(await parseInvite(code, NOW)).toEqual({ ok: false, reason: 'bad-signature' })
  }
  // no signature at all
  expect(await parseInvite(encodeCode({ invite: signed.invite, signature: new Uint8Array(0) }), NOW)).toEqual({ ok: false, reason: 'malformed' })
})

test('flipping any single bit of a code\'s bytes makes it fail (exhaustive)', async () => {
  const code = await createInvite(alice, fields(), NOW)
  const bytes = uint8ArrayFromString(code.slice(INVITE_PREFIX.length), 'base64url')
  for (let i = 0; i < bytes.byteLength; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const copy = new Uint8Array(bytes); copy[i] ^= 1 << bit
      const result = await parseInvite(INVITE_PREFIX + uint8ArrayToString(copy, 'base64url'), NOW)
      if (result.ok) throw new Error(`accepted with byte ${i} bit ${bit} flipped`)
    }
  }
})

test('an invite signed by someone other than the inviter is rejected', async () => {
  // mallory claims to be alice: signs with her own key, names alice as inviter
  expect(await parseInvite(await forge(mallory, validInvite()), NOW)).toEqual({ ok: false, reason: 'bad-signature' })
  expect((await parseInvite(await forge(alice, validInvite()), NOW)).ok).toBe(true)
})

test('a signature from another domain does not verify as an invite', async () => {
  const inviteBytes = Invite.encode(validInvite())
  const signature = await alice.sign(inviteBytes) // raw bytes, no domain separation
  expect(await parseInvite(encodeCode({ invite: inviteBytes, signature: new Uint8Array(signature) }), NOW)).toEqual({ ok: false, reason: 'bad-signature' })
})

test('garbage is malformed', async () => {
  for (const s of ['', 'demes1', 'hello', 'demes2AAAA', 'demes1!!!!', 'demes1AAAAAAAA', 'demes1' + 'x'.repeat(100), encodeCode({ invite: new Uint8Array([0xff, 0xff]), signature: new Uint8Array(64) })]) {
    expect(await parseInvite(s, NOW)).toEqual({ ok: false, reason: 'malformed' })
  }
  expect(await parseInvite(123 as unknown as string, NOW)).toEqual({ ok: false, reason: 'malformed' })
})

test('property: random strings never parse and never throw', async () => {
  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), async (s) => {
    expect((await parseInvite(INVITE_PREFIX + s, NOW)).ok).toBe(false)
    expect((await parseInvite(s, NOW)).ok).toBe(false)
  }), { numRuns: 300 })
})

test('overlong codes are rejected before decoding', async () => {
  const code = await createInvite(alice, fields(), NOW)
  expect(await parseInvite(code + 'A'.repeat(MAX_INVITE_CODE_LENGTH), NOW)).toEqual({ ok: false, reason: 'malformed' })
  expect(await parseInvite('demes1' + 'A'.repeat(10_000_000), NOW)).toEqual({ ok: false, reason: 'malformed' })
})

test('too many addresses and overlong fields are rejected', async () => {
  const addr = `/ip4/192.0.2.1/tcp/4001/p2p/${aliceId}`
  const many = Array.from({ length: MAX_INVITE_ADDRS + 1 }, (_, i) => `/ip4/10.0.0.${i}/tcp/1/p2p/${aliceId}`)
  expect(await parseInvite(await forge(alice, { ...validInvite(), addrs: many }), NOW)).toEqual({ ok: false, reason: 'too-many-addrs' })
  expect((await parseInvite(await forge(alice, { ...validInvite(), addrs: many.slice(1) }), NOW)).ok).toBe(true)
  expect(await parseInvite(await forge(alice, { ...validInvite(), roomName: 'n'.repeat(257) }), NOW)).toEqual({ ok: false, reason: 'field-too-long' })
  expect(await parseInvite(await forge(alice, { ...validInvite(), roomName: 'é'.repeat(129) }), NOW)).toEqual({ ok: false, reason: 'field-too-long' })
  expect(await parseInvite(await forge(alice, { ...validInvite(), roomId: 'r'.repeat(129) }), NOW)).toEqual({ ok: false, reason: 'field-too-long' })
  expect(await parseInvite(await forge(alice, { ...validInvite(), addrs: [addr.replace('4001', '4001/' + 'dns4/a'.repeat(50))] }), NOW)).toEqual({ ok: false, reason: 'field-too-long' })
})

test('content checks: nonce length, room id, addresses of the inviter', async () => {
  const malformed = { ok: false, reason: 'malformed' }
  expect(await parseInvite(await forge(alice, { ...validInvite(), nonce: new Uint8Array(15) }), NOW)).toEqual(malformed)
  expect(await parseInvite(await forge(alice, { ...validInvite(), roomId: '' }), NOW)).toEqual(malformed)
  const malloryId = peerIdFromPrivateKey(mallory).toString()
  expect(await parseInvite(await forge(alice, { ...validInvite(), addrs: [`/ip4/192.0.2.1/tcp/1/p2p/${malloryId}`] }), NOW)).toEqual(malformed)
  expect(await parseInvite(await forge(alice, { ...validInvite(), addrs: ['/ip4/192.0.2.1/tcp/1'] }), NOW)).toEqual(malformed)
  expect(await parseInvite(await forge(alice, { ...validInvite(), addrs: ['not a multiaddr'] }), NOW)).toEqual(malformed)
  expect(await parseInvite(await forge(alice, { ...validInvite(), inviter: 'nobody' }), NOW)).toEqual(malformed)
})

test('createInvite refuses what parseInvite would reject', async () => {
  await expect(createInvite(alice, { ...fields(), expiresAt: NOW }, NOW)).rejects.toThrow(/future/)
  await expect(createInvite(alice, { ...fields(), addrs: ['/ip4/192.0.2.1/tcp/1'] }, NOW)).rejects.toThrow(/p2p/)
  await expect(createInvite(alice, { ...fields(), roomName: 'x'.repeat(1000) }, NOW)).rejects.toThrow(/field-too-long/)
  await expect(createInvite(alice, { ...fields(), addrs: Array(17).fill(fields().addrs[0]) }, NOW)).rejects.toThrow(/too-many-addrs/)
})
