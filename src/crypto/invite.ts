// Invite codes: a string a person pastes into a chat or email. It tells the joiner which room to
// join and where to dial the inviter, and it is signed by the inviter so nobody on the way can
// redirect the joiner or extend the expiry. Parsing treats the code as hostile input: the length
// is bounded before decoding and every field is checked before use.
import { randomBytes } from '@libp2p/crypto'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MaxLengthError } from 'protons-runtime'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { Invite, InviteSigningPayload, SignedInvite } from '../../proto/crypto.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

export { Invite }

/** Version prefix: lets a later format coexist, and makes a DeMeS code recognisable at a glance. */
export const INVITE_PREFIX = 'demes1'
export const INVITE_DOMAIN = 'demes/invite/v1'
export const MAX_INVITE_CODE_LENGTH = 4096
export const MAX_INVITE_ADDRS = 16
export const INVITE_NONCE_BYTES = 16
/** Per-field limits in UTF-8 bytes. */
export const INVITE_FIELD_LIMITS = { roomId: 128, roomName: 256, inviter: 128, addr: 256 } as const

export type InviteFields = Pick<Invite, 'roomId' | 'roomName' | 'addrs' | 'expiresAt'>

export type InviteParseResult =
  | { ok: true, invite: Invite }
  | { ok: false, reason: 'malformed' | 'bad-signature' | 'expired' | 'too-many-addrs' | 'field-too-long' }

type Failure = Extract<InviteParseResult, { ok: false }>

/**
 * Creates a signed invite code from the holder of `privateKey` (the inviter). `addrs` must be the
 * inviter's own multiaddrs, each ending in /p2p/<inviter>. Throws if the invite would be rejected by
 * parseInvite at time `now` (already expired, too many addresses, fields or code too long).
 */
export async function createInvite (privateKey: Ed25519PrivateKey, fields: InviteFields, now: number): Promise<string> {
  const invite: Invite = {
    roomId: fields.roomId,
    roomName: fields.roomName,
    inviter: peerIdFromPrivateKey(privateKey).toString(),
    addrs: [...fields.addrs],
    expiresAt: fields.expiresAt,
    nonce: new Uint8Array(randomBytes(INVITE_NONCE_BYTES))
  }
  const problem = checkFields(invite)?.reason ?? checkContent(invite)
  if (problem != null) throw new Error(`cannot create invite: ${problem}`)
  if (invite.expiresAt <= now) throw new Error('cannot create invite: expiresAt is not in the future')

  const inviteBytes = Invite.encode(invite)
  const signature = await privateKey.sign(inviteSigningBytes(inviteBytes))
  const code = INVITE_PREFIX + uint8ArrayToString(SignedInvite.encode({ invite: inviteBytes, signature: new Uint8Array(signature) }), 'base64url')
  if (code.length > MAX_INVITE_CODE_LENGTH) throw new Error(`cannot create invite: code would be ${code.length} characters (max ${MAX_INVITE_CODE_LENGTH})`)
  return code
}

/** Decodes and checks an invite code at time `now` (ms since the epoch; the caller owns the clock). */
export async function parseInvite (code: string, now: number): Promise<InviteParseResult> {
  const malformed: Failure = { ok: false, reason: 'malformed' }
  if (typeof code !== 'string') return malformed
  code = code.trim() // pasted text often carries a newline or spaces
  // Bound the work before decoding anything: base64 and protobuf decoding are linear, but the
  // caller may hand us an arbitrarily long string.
  if (code.length > MAX_INVITE_CODE_LENGTH || !code.startsWith(INVITE_PREFIX)) return malformed

  let signed: SignedInvite
  let invite: Invite
  try {
    const body = code.slice(INVITE_PREFIX.length)
    const raw = uint8ArrayFromString(body, 'base64url')
    signed = SignedInvite.decode(raw)
    // Accept only the canonical encoding (protons ignores wire types and unknown fields, base64
    // ignores trailing bits), so one invite has exactly one code; the signature covers the content.
    const canonical = SignedInvite.encode(signed)
    if (!uint8ArrayEquals(canonical, raw) || uint8ArrayToString(canonical, 'base64url') !== body) return malformed
    invite = Invite.decode(signed.invite, { limits: { addrs: MAX_INVITE_ADDRS } })
  } catch (err) {
    return err instanceof MaxLengthError ? { ok: false, reason: 'too-many-addrs' } : malformed
  }

  const fieldProblem = checkFields(invite)
  if (fieldProblem != null) return fieldProblem

  let inviter
  try {
    inviter = peerIdFromString(invite.inviter)
  } catch {
    return malformed
  }
  // Only an Ed25519 peer id carries the public key we need to check the signature.
  if (inviter.type !== 'Ed25519' || signed.signature.byteLength === 0) return malformed
  try {
    // Verify the bytes exactly as received, not a re-encoding, so what was signed is what we read.
    if (!(await inviter.publicKey.verify(inviteSigningBytes(signed.invite), signed.signature))) {
      return { ok: false, reason: 'bad-signature' }
    }
  } catch {
    return { ok: false, reason: 'bad-signature' }
  }

  if (checkContent(invite) != null) return malformed
  if (now >= invite.expiresAt) return { ok: false, reason: 'expired' }
  return { ok: true, invite }
}

/** Domain-separated bytes the inviter signs, so an invite signature is never valid elsewhere. */
function inviteSigningBytes (inviteBytes: Uint8Array): Uint8Array {
  return InviteSigningPayload.encode({ domain: INVITE_DOMAIN, invite: new Uint8Array(inviteBytes) })
}

const utf8 = new TextEncoder()
const tooLong = (s: string, max: number): boolean => s.length > max || utf8.encode(s).byteLength > max

/** Size limits: cheap, and checked before any expensive or semantic work. */
function checkFields (invite: Invite): Failure | undefined {
  if (invite.addrs.length > MAX_INVITE_ADDRS) return { ok: false, reason: 'too-many-addrs' }
  const L = INVITE_FIELD_LIMITS
  if (tooLong(invite.roomId, L.roomId) || tooLong(invite.roomName, L.roomName) || tooLong(invite.inviter, L.inviter) ||
      invite.addrs.some(a => tooLong(a, L.addr))) {
    return { ok: false, reason: 'field-too-long' }
  }
  return undefined
}

/** Meaning: a room id, a random nonce, and addresses that really lead to the inviter. Returns what is wrong. */
function checkContent (invite: Invite): string | undefined {
  if (invite.roomId === '') return 'empty roomId'
  if (invite.nonce.byteLength !== INVITE_NONCE_BYTES) return `nonce must be ${INVITE_NONCE_BYTES} bytes`
  for (const addr of invite.addrs) {
    let components
    try {
      components = multiaddr(addr).getComponents()
    } catch {
      return `not a multiaddr: ${addr}`
    }
    const last = components[components.length - 1]
    if (last?.name !== 'p2p' || last.value !== invite.inviter) return `address does not end in /p2p/${invite.inviter}: ${addr}`
  }
  return undefined
}
