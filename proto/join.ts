import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface JoinRequest {
  invite: string
}

export namespace JoinRequest {
  let _codec: Codec<JoinRequest>

  export const codec = (): Codec<JoinRequest> => {
    if (_codec == null) {
      _codec = message<JoinRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.invite != null && obj.invite !== '')) {
          w.uint32(10)
          w.string(obj.invite)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          invite: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.invite = reader.string()
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
                value: reader.string()
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

  export interface JoinRequestInviteFieldEvent {
    field: '$.invite'
    value: string
  }

  export function encode (obj: Partial<JoinRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, JoinRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JoinRequest>): JoinRequest {
    return decodeMessage(buf, JoinRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JoinRequest>): Generator<JoinRequestInviteFieldEvent> {
    return streamMessage(buf, JoinRequest.codec(), opts)
  }
}

export interface MemberAddrs {
  peerId: string
  addrs: string[]
}

export namespace MemberAddrs {
  let _codec: Codec<MemberAddrs>

  export const codec = (): Codec<MemberAddrs> => {
    if (_codec == null) {
      _codec = message<MemberAddrs>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.string())
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
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
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

  export interface MemberAddrsPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface MemberAddrsAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<MemberAddrs>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MemberAddrs.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MemberAddrs>): MemberAddrs {
    return decodeMessage(buf, MemberAddrs.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MemberAddrs>): Generator<MemberAddrsPeerIdFieldEvent | MemberAddrsAddrsFieldEvent> {
    return streamMessage(buf, MemberAddrs.codec(), opts)
  }
}

export interface JoinResponse {
  accepted: boolean
  reason: string
  roomId: string
  roomName: string
  members: MemberAddrs[]
}

export namespace JoinResponse {
  let _codec: Codec<JoinResponse>

  export const codec = (): Codec<JoinResponse> => {
    if (_codec == null) {
      _codec = message<JoinResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.accepted != null && obj.accepted !== false)) {
          w.uint32(8)
          w.bool(obj.accepted)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if ((obj.roomId != null && obj.roomId !== '')) {
          w.uint32(26)
          w.string(obj.roomId)
        }

        if ((obj.roomName != null && obj.roomName !== '')) {
          w.uint32(34)
          w.string(obj.roomName)
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(42)
            MemberAddrs.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          accepted: false,
          reason: '',
          roomId: '',
          roomName: '',
          members: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.accepted = reader.bool()
              break
            }
            case 2: {
              obj.reason = reader.string()
              break
            }
            case 3: {
              obj.roomId = reader.string()
              break
            }
            case 4: {
              obj.roomName = reader.string()
              break
            }
            case 5: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(MemberAddrs.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.members$
              }))
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
          members: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.accepted`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.roomId`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.roomName`,
                value: reader.string()
              }
              break
            }
            case 5: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              for (const evt of MemberAddrs.codec().stream(reader, reader.uint32(), `${prefix}.members[]`, {
                limits: opts.limits?.members$
              })) {
                yield {
                  ...evt,
                  index: obj.members
                }
              }

              obj.members++

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

  export interface JoinResponseAcceptedFieldEvent {
    field: '$.accepted'
    value: boolean
  }

  export interface JoinResponseReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface JoinResponseRoomIdFieldEvent {
    field: '$.roomId'
    value: string
  }

  export interface JoinResponseRoomNameFieldEvent {
    field: '$.roomName'
    value: string
  }

  export interface JoinResponseMembersPeerIdFieldEvent {
    field: '$.members[].peerId'
    value: string
    index: number
  }

  export interface JoinResponseMembersAddrsFieldEvent {
    field: '$.members[].addrs[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<JoinResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, JoinResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JoinResponse>): JoinResponse {
    return decodeMessage(buf, JoinResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JoinResponse>): Generator<JoinResponseAcceptedFieldEvent | JoinResponseReasonFieldEvent | JoinResponseRoomIdFieldEvent | JoinResponseRoomNameFieldEvent | JoinResponseMembersPeerIdFieldEvent | JoinResponseMembersAddrsFieldEvent> {
    return streamMessage(buf, JoinResponse.codec(), opts)
  }
}
