import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RoomFrame {
  roomId: string
  raft: Uint8Array<ArrayBuffer>
}

export namespace RoomFrame {
  let _codec: Codec<RoomFrame>

  export const codec = (): Codec<RoomFrame> => {
    if (_codec == null) {
      _codec = message<RoomFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.roomId != null && obj.roomId !== '')) {
          w.uint32(10)
          w.string(obj.roomId)
        }

        if ((obj.raft != null && obj.raft.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.raft)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          roomId: '',
          raft: uint8ArrayAlloc(0)
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
              obj.raft = reader.bytes()
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
                field: `${prefix}.roomId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.raft`,
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

  export interface RoomFrameRoomIdFieldEvent {
    field: '$.roomId'
    value: string
  }

  export interface RoomFrameRaftFieldEvent {
    field: '$.raft'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RoomFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomFrame>): RoomFrame {
    return decodeMessage(buf, RoomFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomFrame>): Generator<RoomFrameRoomIdFieldEvent | RoomFrameRaftFieldEvent> {
    return streamMessage(buf, RoomFrame.codec(), opts)
  }
}

export interface PresenceAnnouncement {
  roomId: string
  name: string
  addrs: string[]
}

export namespace PresenceAnnouncement {
  let _codec: Codec<PresenceAnnouncement>

  export const codec = (): Codec<PresenceAnnouncement> => {
    if (_codec == null) {
      _codec = message<PresenceAnnouncement>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.roomId != null && obj.roomId !== '')) {
          w.uint32(10)
          w.string(obj.roomId)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          roomId: '',
          name: '',
          addrs: []
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
              obj.name = reader.string()
              break
            }
            case 3: {
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
                field: `${prefix}.roomId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
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

  export interface PresenceAnnouncementRoomIdFieldEvent {
    field: '$.roomId'
    value: string
  }

  export interface PresenceAnnouncementNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface PresenceAnnouncementAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<PresenceAnnouncement>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PresenceAnnouncement.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceAnnouncement>): PresenceAnnouncement {
    return decodeMessage(buf, PresenceAnnouncement.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceAnnouncement>): Generator<PresenceAnnouncementRoomIdFieldEvent | PresenceAnnouncementNameFieldEvent | PresenceAnnouncementAddrsFieldEvent> {
    return streamMessage(buf, PresenceAnnouncement.codec(), opts)
  }
}
