// Sender signatures on chat submissions: the host sequences submissions but, lacking the sender's
// key, cannot forge or alter one. The core treats Submission.signature as opaque bytes; the node
// driver signs here and the network layer verifies here before anything reaches the core.
import { createHash, createPrivateKey, createPublicKey, sign as signEd25519, verify as verifyEd25519, type KeyObject } from 'node:crypto'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { SignedSubmissionPayload } from '../../proto/crypto.js'
import type { Submission } from '../../proto/raft.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

/** Domain separation: these bytes can never be mistaken for an invite or any other signed thing. */
export const SUBMISSION_DOMAIN = 'demes/submission/v1'

export type SubmissionVerifyResult =
  | { ok: true }
  | { ok: false, reason: 'bad-sender-id' | 'not-ed25519' | 'missing-signature' | 'bad-signature' }

/**
 * The canonical bytes signed for `submission` in room `roomId`. Includes the room so a message
 * cannot be replayed into another room; the signature field itself is excluded. protons encodes
 * fields in tag order and omits defaults, so the encoding is deterministic.
 */
export function submissionSigningBytes (roomId: string, submission: Omit<Submission, 'signature'>): Uint8Array {
  return SignedSubmissionPayload.encode({
    domain: SUBMISSION_DOMAIN,
    roomId,
    sender: submission.sender,
    seq: submission.seq,
    payload: submission.payload,
    sentAt: submission.sentAt
  })
}

/** Returns a copy of `submission` carrying the sender's signature. The key must be the sender's. */
export async function signSubmission (privateKey: Ed25519PrivateKey, roomId: string, submission: Omit<Submission, 'signature'>): Promise<Submission> {
  // A signature under someone else's name would only fail verification later, far from the bug.
  const own = peerIdFromPrivateKey(privateKey).toString()
  if (submission.sender !== own) throw new Error(`cannot sign a submission from ${submission.sender} with the key of ${own}`)
  const signature = await privateKey.sign(submissionSigningBytes(roomId, submission))
  return {
    sender: submission.sender,
    seq: submission.seq,
    payload: submission.payload,
    sentAt: submission.sentAt,
    signature: new Uint8Array(signature) // own copy, backed by a plain ArrayBuffer
  }
}

/**
 * Signs this node's submissions synchronously (the core needs the signature as it assigns the seq),
 * with the key imported into OpenSSL once rather than on every message as @libp2p/crypto does.
 */
export class SubmissionSigner {
  readonly sender: string
  private readonly key: KeyObject

  constructor (privateKey: Ed25519PrivateKey) {
    this.sender = peerIdFromPrivateKey(privateKey).toString()
    // libp2p's raw Ed25519 private key is the 32-byte seed followed by the 32-byte public key.
    const jwk = { kty: 'OKP', crv: 'Ed25519', d: uint8ArrayToString(privateKey.raw.subarray(0, 32), 'base64url'), x: uint8ArrayToString(privateKey.publicKey.raw, 'base64url') }
    this.key = createPrivateKey({ format: 'jwk', key: jwk })
  }

  sign (roomId: string, submission: Omit<Submission, 'signature'>): Uint8Array<ArrayBuffer> {
    if (submission.sender !== this.sender) throw new Error(`cannot sign a submission from ${submission.sender} with the key of ${this.sender}`)
    return new Uint8Array(signEd25519(null, submissionSigningBytes(roomId, submission), this.key))
  }
}

/** Bounds on the verifier's caches: senders are a room's members, submissions the recent traffic. */
export const MAX_CACHED_SENDERS = 4096
export const MAX_CACHED_SUBMISSIONS = 16_384

type SenderKey = { ok: true, key: KeyObject } | { ok: false, reason: 'bad-sender-id' | 'not-ed25519' }

/**
 * Checks a submission's signature against the public key embedded in its sender's (Ed25519) peer id.
 * Synchronous, with two bounded caches:
 * - the sender's public key as a ready KeyObject (decoding the peer id and importing the key cost
 *   more than the signature check itself), and
 * - submissions already verified, as digests of everything signed (room, sender, seq, payload,
 *   sentAt) and the signature, so a retransmitted append or a resubmission after a host change is not
 *   checked again. A hit requires every signed field and the signature to be byte-identical to the
 *   verified copy, so the cache can never vouch for other bytes.
 * Uses Node's Ed25519 (OpenSSL), the same primitive @libp2p/crypto uses on Node.
 */
export class SubmissionVerifier {
  private readonly senders = new Map<string, SenderKey>()
  /**
   * SHA-256 of the signed bytes and the signature (fingerprint()), oldest first. A digest rather than
   * the submission: a decoded payload is a view into the whole network frame it came in, and holding
   * thousands of them kept those frames alive long after the log let go of them. The digest covers the
   * room, sender and seq, so it needs no key of its own: a full cache (16,384) is ~1.1 MiB of V8 heap;
   * as a map from "room, sender, seq" strings to base64 digests it was ~2.5 MiB.
   */
  private readonly verified = new Set<string>()
  hits = 0
  checks = 0

  verify (roomId: string, submission: Submission): SubmissionVerifyResult {
    const signed = submissionSigningBytes(roomId, submission)
    const digest = fingerprint(signed, submission.signature)
    if (this.verified.has(digest)) {
      this.hits++
      return { ok: true }
    }
    const sender = this.senderKey(submission.sender)
    if (!sender.ok) return sender
    if (submission.signature.byteLength === 0) return { ok: false, reason: 'missing-signature' }
    this.checks++
    let valid = false
    try {
      valid = verifyEd25519(null, signed, sender.key, submission.signature)
    } catch {
      // e.g. a signature of the wrong length: untrusted input, so a rejection rather than a crash
    }
    if (!valid) return { ok: false, reason: 'bad-signature' }
    rememberDigest(this.verified, digest)
    return { ok: true }
  }

  /**
   * Forgets which submissions were verified, so a later copy of one is checked again. Only a cache
   * (~1.3 MiB when full): the node empties it when it goes idle, when retransmits and resubmissions
   * have long stopped.
   */
  forgetVerified (): void {
    this.verified.clear()
  }

  /** A submission this node signed itself: when the host replicates it back, it needs no check. */
  vouchForOwn (roomId: string, signer: SubmissionSigner, submission: Submission): void {
    if (submission.sender !== signer.sender) throw new Error(`${submission.sender} is not this node (${signer.sender})`)
    rememberDigest(this.verified, fingerprint(submissionSigningBytes(roomId, submission), submission.signature))
  }

  private senderKey (sender: string): SenderKey {
    const cached = this.senders.get(sender)
    if (cached != null) return cached
    let result: SenderKey
    try {
      const peerId = peerIdFromString(sender)
      // Only Ed25519 peer ids embed their public key; other key types could not be checked offline.
      result = peerId.type === 'Ed25519'
        ? { ok: true, key: createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: uint8ArrayToString(peerId.publicKey.raw, 'base64url') } }) }
        : { ok: false, reason: 'not-ed25519' }
    } catch {
      result = { ok: false, reason: 'bad-sender-id' }
    }
    remember(this.senders, sender, result, MAX_CACHED_SENDERS)
    return result
  }
}

/**
 * SHA-256 over everything signed (room, sender, seq, payload, sentAt) and the signature itself. The
 * signed bytes' length goes first: a submission whose encoding is a prefix of another's (sentAt 0 is
 * omitted) must not match it by moving the rest into the signature.
 */
function fingerprint (signed: Uint8Array, signature: Uint8Array): string {
  const length = new Uint8Array(4)
  new DataView(length.buffer).setUint32(0, signed.byteLength)
  // binary (latin1): the 32 bytes as a 32-character one-byte string (base64 would take 44).
  return createHash('sha256').update(length).update(signed).update(signature).digest('binary')
}

/** Adds a digest to the verified set, as the newest; the oldest goes beyond MAX_CACHED_SUBMISSIONS. */
function rememberDigest (cache: Set<string>, digest: string): void {
  cache.delete(digest)
  cache.add(digest)
  if (cache.size > MAX_CACHED_SUBMISSIONS) cache.delete(cache.values().next().value as string)
}

/** Insertion-ordered map as a bounded cache: an insert moves the key to the end, the oldest goes first. */
function remember<V> (cache: Map<string, V>, key: string, value: V, max: number): void {
  cache.delete(key)
  cache.set(key, value)
  if (cache.size > max) cache.delete(cache.keys().next().value as string)
}
