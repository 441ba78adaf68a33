import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SignedSubmissionPayload {
  domain: string
  roomId: string
  sender: string
  seq: number
  payload: Uint8Array<ArrayBuffer>
  sentAt: number
}

export namespace SignedSubmissionPayload {
  let _codec: Codec<SignedSubmissionPayload>

  export const codec = (): Codec<SignedSubmissionPayload> => {
    if (_codec == null) {
      _codec = message<SignedSubmissionPayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.domain != null && obj.domain !== '')) {
          w.uint32(10)
          w.string(obj.domain)
        }

        if ((obj.roomId != null && obj.roomId !== '')) {
          w.uint32(18)
          w.string(obj.roomId)
        }

        if ((obj.sender != null && obj.sender !== '')) {
          w.uint32(26)
          w.string(obj.sender)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.seq)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.payload)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.sentAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          domain: '',
          roomId: '',
          sender: '',
          seq: 0,
          payload: uint8ArrayAlloc(0),
          sentAt: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.domain = reader.string()
              break
            }
            case 2: {
              obj.roomId = reader.string()
              break
            }
            case 3: {
              obj.sender = reader.string()
              break
            }
            case 4: {
              obj.seq = reader.uint64Number()
              break
            }
            case 5: {
              obj.payload = reader.bytes()
              break
            }
            case 6: {
              obj.sentAt = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.domain`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.roomId`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sender`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedSubmissionPayloadDomainFieldEvent {
    field: '$.domain'
    value: string
  }

  export interface SignedSubmissionPayloadRoomIdFieldEvent {
    field: '$.roomId'
    value: string
  }

  export interface SignedSubmissionPayloadSenderFieldEvent {
    field: '$.sender'
    value: string
  }

  export interface SignedSubmissionPayloadSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface SignedSubmissionPayloadPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedSubmissionPayloadSentAtFieldEvent {
    field: '$.sentAt'
    value: number
  }

  export function encode (obj: Partial<SignedSubmissionPayload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedSubmissionPayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedSubmissionPayload>): SignedSubmissionPayload {
    return decodeMessage(buf, SignedSubmissionPayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedSubmissionPayload>): Generator<SignedSubmissionPayloadDomainFieldEvent | SignedSubmissionPayloadRoomIdFieldEvent | SignedSubmissionPayloadSenderFieldEvent | SignedSubmissionPayloadSeqFieldEvent | SignedSubmissionPayloadPayloadFieldEvent | SignedSubmissionPayloadSentAtFieldEvent> {
    return streamMessage(buf, SignedSubmissionPayload.codec(), opts)
  }
}

export interface Invite {
  roomId: string
  roomName: string
  inviter: string
  addrs: string[]
  expiresAt: number
  nonce: Uint8Array<ArrayBuffer>
}

export namespace Invite {
  let _codec: Codec<Invite>

  export const codec = (): Codec<Invite> => {
    if (_codec == null) {
      _codec = message<Invite>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.roomId != null && obj.roomId !== '')) {
          w.uint32(10)
          w.string(obj.roomId)
        }

        if ((obj.roomName != null && obj.roomName !== '')) {
          w.uint32(18)
          w.string(obj.roomName)
        }

        if ((obj.inviter != null && obj.inviter !== '')) {
          w.uint32(26)
          w.string(obj.inviter)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(34)
            w.string(value)
          }
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.expiresAt)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.nonce)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          roomId: '',
          roomName: '',
          inviter: '',
          addrs: [],
          expiresAt: 0,
          nonce: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.roomId = reader.string()
              break
            }
            case 2: {
              obj.roomName = reader.string()
              break
            }
            case 3: {
              obj.inviter = reader.string()
              break
            }
            case 4: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.string())
              break
            }
            case 5: {
              obj.expiresAt = reader.uint64Number()
              break
            }
            case 6: {
              obj.nonce = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.roomId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.roomName`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.inviter`,
                value: reader.string()
              }
              break
            }
            case 4: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.string()
              }

              obj.addrs++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface InviteRoomIdFieldEvent {
    field: '$.roomId'
    value: string
  }

  export interface InviteRoomNameFieldEvent {
    field: '$.roomName'
    value: string
  }

  export interface InviteInviterFieldEvent {
    field: '$.inviter'
    value: string
  }

  export interface InviteAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: string
  }

  export interface InviteExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: number
  }

  export interface InviteNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Invite>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Invite.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Invite {
    return decodeMessage(buf, Invite.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Generator<InviteRoomIdFieldEvent | InviteRoomNameFieldEvent | InviteInviterFieldEvent | InviteAddrsFieldEvent | InviteExpiresAtFieldEvent | InviteNonceFieldEvent> {
    return streamMessage(buf, Invite.codec(), opts)
  }
}

export interface InviteSigningPayload {
  domain: string
  invite: Uint8Array<ArrayBuffer>
}

export namespace InviteSigningPayload {
  let _codec: Codec<InviteSigningPayload>

  export const codec = (): Codec<InviteSigningPayload> => {
    if (_codec == null) {
      _codec = message<InviteSigningPayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.domain != null && obj.domain !== '')) {
          w.uint32(10)
          w.string(obj.domain)
        }

        if ((obj.invite != null && obj.invite.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.invite)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          domain: '',
          invite: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.domain = reader.string()
              break
            }
            case 2: {
              obj.invite = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.domain`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.invite`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface InviteSigningPayloadDomainFieldEvent {
    field: '$.domain'
    value: string
  }

  export interface InviteSigningPayloadInviteFieldEvent {
    field: '$.invite'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<InviteSigningPayload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, InviteSigningPayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteSigningPayload>): InviteSigningPayload {
    return decodeMessage(buf, InviteSigningPayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteSigningPayload>): Generator<InviteSigningPayloadDomainFieldEvent | InviteSigningPayloadInviteFieldEvent> {
    return streamMessage(buf, InviteSigningPayload.codec(), opts)
  }
}

export interface SignedInvite {
  invite: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedInvite {
  let _codec: Codec<SignedInvite>

  export const codec = (): Codec<SignedInvite> => {
    if (_codec == null) {
      _codec = message<SignedInvite>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.invite != null && obj.invite.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.invite)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          invite: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.invite = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.invite`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SignedInviteInviteFieldEvent {
    field: '$.invite'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedInviteSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedInvite>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedInvite.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedInvite>): SignedInvite {
    return decodeMessage(buf, SignedInvite.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedInvite>): Generator<SignedInviteInviteFieldEvent | SignedInviteSignatureFieldEvent> {
    return streamMessage(buf, SignedInvite.codec(), opts)
  }
}
