// Sender signatures on chat submissions: the host sequences submissions but, lacking the sender's
// key, cannot forge or alter one. The core treats Submission.signature as opaque bytes; the node
// driver signs here and the network layer verifies here before anything reaches the core.
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
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

/** Checks the signature against the public key embedded in the sender's (Ed25519) peer id. */
export async function verifySubmission (roomId: string, submission: Submission): Promise<SubmissionVerifyResult> {
  let peerId
  try {
    peerId = peerIdFromString(submission.sender)
  } catch {
    return { ok: false, reason: 'bad-sender-id' }
  }
  // Only Ed25519 peer ids embed their public key; other key types could not be checked offline.
  if (peerId.type !== 'Ed25519') return { ok: false, reason: 'not-ed25519' }
  if (submission.signature.byteLength === 0) return { ok: false, reason: 'missing-signature' }
  try {
    const valid = await peerId.publicKey.verify(submissionSigningBytes(roomId, submission), submission.signature)
    return valid ? { ok: true } : { ok: false, reason: 'bad-signature' }
  } catch {
    // e.g. a signature of the wrong length: untrusted input, so a rejection rather than a crash
    return { ok: false, reason: 'bad-signature' }
  }
}
