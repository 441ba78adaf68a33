import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { signSubmission, SubmissionSigner, SubmissionVerifier, submissionSigningBytes } from '../../src/crypto/submission.js'
import type { Submission } from '../../proto/raft.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

const ROOM = 'room-1'
let alice: Ed25519PrivateKey
let bob: Ed25519PrivateKey
let aliceId: string
let bobId: string
let verifier: SubmissionVerifier
beforeEach(() => { verifier = new SubmissionVerifier() })

beforeAll(async () => {
  alice = await generateKeyPair('Ed25519')
  bob = await generateKeyPair('Ed25519')
  aliceId = peerIdFromPrivateKey(alice).toString()
  bobId = peerIdFromPrivateKey(bob).toString()
})

const unsigned = (): Omit<Submission, 'signature'> => ({
  sender: aliceId, seq: 7, payload: new TextEncoder().encode('hello'), sentAt: 1_700_000_000_000
})

test('sign/verify round trip', async () => {
  const signed = await signSubmission(alice, ROOM, unsigned())
  expect(signed.signature.byteLength).toBe(64)
  expect(signed).toMatchObject(unsigned())
  expect(verifier.verify(ROOM, signed)).toEqual({ ok: true })
})

test('signing bytes are deterministic, ignore the signature and include the domain', async () => {
  const signed = await signSubmission(alice, ROOM, unsigned())
  expect(submissionSigningBytes(ROOM, signed)).toEqual(submissionSigningBytes(ROOM, unsigned()))
  expect(new TextDecoder().decode(submissionSigningBytes(ROOM, signed))).toContain('demes/submission/v1')
})

test('verification fails for any changed field, room or sender', async () => {
  const signed = await signSubmission(alice, ROOM, unsigned())
  const bad = { ok: false, reason: 'bad-signature' }
  expect(verifier.verify(ROOM, { ...signed, payload: new TextEncoder().encode('hellO') })).toEqual(bad)
  expect(verifier.verify(ROOM, { ...signed, payload: new Uint8Array(0) })).toEqual(bad)
  expect(verifier.verify(ROOM, { ...signed, seq: 8 })).toEqual(bad)
  expect(verifier.verify(ROOM, { ...signed, sentAt: signed.sentAt + 1 })).toEqual(bad)
  expect(verifier.verify('room-2', signed)).toEqual(bad)
  expect(verifier.verify(ROOM, { ...signed, sender: bobId })).toEqual(bad)
})

test('a signature made by another key does not verify', async () => {
  const signature = await bob.sign(submissionSigningBytes(ROOM, unsigned()))
  expect(verifier.verify(ROOM, { ...unsigned(), signature: new Uint8Array(signature) }))
    .toEqual({ ok: false, reason: 'bad-signature' })
})

test('refuses to sign under another member\'s name', async () => {
  await expect(signSubmission(bob, ROOM, unsigned())).rejects.toThrow(/cannot sign/)
})

test('rejects bad sender ids, non-Ed25519 senders, missing and mangled signatures', async () => {
  const signed = await signSubmission(alice, ROOM, unsigned())
  expect(verifier.verify(ROOM, { ...signed, sender: 'not a peer id' })).toEqual({ ok: false, reason: 'bad-sender-id' })
  expect(verifier.verify(ROOM, { ...signed, sender: '' })).toEqual({ ok: false, reason: 'bad-sender-id' })
  const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
  expect(verifier.verify(ROOM, { ...signed, sender: secp })).toEqual({ ok: false, reason: 'not-ed25519' })
  expect(verifier.verify(ROOM, { ...signed, signature: new Uint8Array(0) })).toEqual({ ok: false, reason: 'missing-signature' })
  expect(verifier.verify(ROOM, { ...signed, signature: signed.signature.slice(0, 10) })).toEqual({ ok: false, reason: 'bad-signature' })
})

test('property: flipping any bit of the signature breaks it', async () => {
  const signed = await signSubmission(alice, ROOM, unsigned())
  await fc.assert(fc.asyncProperty(fc.nat(63), fc.nat(7), async (i, bit) => {
    const signature = new Uint8Array(signed.signature)
    signature[i] ^= 1 << bit
    expect(verifier.verify(ROOM, { ...signed, signature })).toEqual({ ok: false, reason: 'bad-signature' })
  }), { numRuns: 100 })
})

test('the verified-submission cache vouches only for byte-identical copies', async () => {
  const signed = await signSubmission(alice, ROOM, unsigned())
  expect(verifier.verify(ROOM, signed)).toEqual({ ok: true })
  expect(verifier.verify(ROOM, { ...signed, payload: signed.payload.slice() })).toEqual({ ok: true })
  expect(verifier.hits).toBe(1)
  expect(verifier.checks).toBe(1)
  // Same room, sender and seq as the cached copy, but other bytes under the cached signature.
  expect(verifier.verify(ROOM, { ...signed, payload: new TextEncoder().encode('forged') })).toEqual({ ok: false, reason: 'bad-signature' })
  expect(verifier.verify(ROOM, { ...signed, sentAt: signed.sentAt + 1 })).toEqual({ ok: false, reason: 'bad-signature' })
  expect(verifier.verify('room-2', signed)).toEqual({ ok: false, reason: 'bad-signature' })
  expect(verifier.hits).toBe(1)
})

test('after forgetVerified, a copy that was vouched for is checked by its signature again, and a forged one still fails', async () => {
  const signer = new SubmissionSigner(alice)
  const own = { ...unsigned(), signature: signer.sign(ROOM, unsigned()) }
  verifier.vouchForOwn(ROOM, signer, own)
  verifier.forgetVerified()
  expect(verifier.verify(ROOM, own)).toEqual({ ok: true })
  expect(verifier).toMatchObject({ hits: 0, checks: 1 })
  // Verified again, so cached again.
  expect(verifier.verify(ROOM, own)).toEqual({ ok: true })
  expect(verifier).toMatchObject({ hits: 1, checks: 1 })
  verifier.forgetVerified()
  expect(verifier.verify(ROOM, { ...own, payload: new TextEncoder().encode('forged') })).toEqual({ ok: false, reason: 'bad-signature' })
})

test('SubmissionSigner (OpenSSL, key imported once) makes exactly the signature libp2p makes, and refuses other senders', async () => {
  const signer = new SubmissionSigner(alice)
  expect(signer.sender).toBe(aliceId)
  const viaLibp2p = await signSubmission(alice, ROOM, unsigned())
  const signature = signer.sign(ROOM, unsigned())
  expect(signature).toEqual(viaLibp2p.signature) // Ed25519 is deterministic
  expect(await alice.publicKey.verify(submissionSigningBytes(ROOM, unsigned()), signature)).toBe(true)
  expect(() => signer.sign(ROOM, { ...unsigned(), sender: bobId })).toThrow('cannot sign')
})

test('own submissions vouched for are not checked again when replicated back; others\' are', async () => {
  const signer = new SubmissionSigner(alice)
  const own = { ...unsigned(), signature: signer.sign(ROOM, unsigned()) }
  verifier.vouchForOwn(ROOM, signer, own)
  expect(verifier.verify(ROOM, own)).toEqual({ ok: true })
  expect(verifier).toMatchObject({ hits: 1, checks: 0 })
  expect(() => verifier.vouchForOwn(ROOM, signer, { ...own, sender: bobId })).toThrow('is not this node')
})

test('the cache cannot be fooled by moving the end of the signed bytes into the signature', async () => {
  // sentAt 0 is omitted from the encoding, so that submission's signed bytes are a prefix of the original's.
  const signed = await signSubmission(alice, ROOM, unsigned())
  expect(verifier.verify(ROOM, signed)).toEqual({ ok: true })
  const shorter = submissionSigningBytes(ROOM, { ...unsigned(), sentAt: 0 })
  const full = submissionSigningBytes(ROOM, unsigned())
  expect(full.subarray(0, shorter.byteLength)).toEqual(shorter)
  const forged = { ...unsigned(), sentAt: 0, signature: new Uint8Array([...full.subarray(shorter.byteLength), ...signed.signature]) }
  expect(verifier.verify(ROOM, forged)).toEqual({ ok: false, reason: 'bad-signature' })
})
