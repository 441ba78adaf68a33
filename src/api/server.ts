// The local HTTP API: a thin adapter from HTTP + server-sent events onto DemesNodeApi.
//
// It binds only to loopback, requires `Authorization: Bearer <token>` on every request, validates
// every body and query string with JSON schemas, and reports every failure as
// `{ "error": { "code", "message" } }`. It makes no decisions of its own: everything goes through
// the node (the driver). docs/api.md documents the routes.

import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import Fastify from 'fastify'
import type { FastifyError, FastifyRequest, FastifySchemaValidationError } from 'fastify'
import { ApiError } from '../node/api-types.js'
import { MAX_QUERY_LENGTH, MAX_SEARCH_LIMIT } from '../store/history.js'
import type { ApiErrorCode, DemesNodeApi, NodeEvent } from '../node/api-types.js'
import { formatEvent, KEEP_ALIVE_CHUNK, SSE_HEADERS, SseStream } from './sse.js'

export const API_PREFIX = '/api/v1'
export const BODY_LIMIT = 64 * 1024
export const MAX_ROOM_ID_LENGTH = 128
export const MAX_INVITE_LENGTH = 4096
export const MAX_INVITE_TTL_SECONDS = 30 * 24 * 3600
export const DEFAULT_MESSAGES_LIMIT = 100
export const MAX_MESSAGES_LIMIT = 1000
export const DEFAULT_SEARCH_LIMIT = 20
export const JOIN_TIMEOUT_MS = 60_000
export const SSE_KEEP_ALIVE_MS = 15_000
export const SSE_MAX_BACKLOG = 1000
export const MAX_SSE_CLIENTS = 64
/** close() waits this long for in-flight requests before cutting every connection. */
export const CLOSE_GRACE_MS = 3000

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost'])

export interface ApiServerOptions {
  node: DemesNodeApi
  /** 127.0.0.1, ::1 (or [::1]) or localhost; anything else is refused. */
  host: string
  /** 0 picks a free port. */
  port: number
  token: string
  /** Structured request and error logs (pino, via fastify). Without it, unexpected errors go to stderr. */
  logger?: boolean
  /** Tuning, mostly for tests. */
  joinTimeoutMs?: number
  sseKeepAliveMs?: number
  sseMaxBacklog?: number
  maxSseClients?: number
}

export interface ApiServer {
  url: string
  port: number
  close: () => Promise<void>
}

type ErrorCode = ApiErrorCode | 'unauthorized' | 'payload-too-large' | 'unsupported-media-type'

const API_ERROR_STATUS: Record<ApiErrorCode, number> = {
  'bad-request': 400,
  'not-found': 404,
  conflict: 409,
  unavailable: 503,
  internal: 500
}

function errorBody (code: ErrorCode, message: string): { error: { code: ErrorCode, message: string } } {
  return { error: { code, message } }
}

function isApiError (err: unknown): err is ApiError {
  if (err instanceof ApiError) return true
  // tolerate a second copy of the module (same shape, different class identity)
  const e = err as { name?: unknown, code?: unknown, message?: unknown } | null
  return e != null && e.name === 'ApiError' && typeof e.code === 'string' &&
    Object.hasOwn(API_ERROR_STATUS, e.code) && typeof e.message === 'string'
}

function codeForClientStatus (status: number): ErrorCode {
  switch (status) {
    case 401: return 'unauthorized'
    case 404: return 'not-found'
    case 409: return 'conflict'
    case 413: return 'payload-too-large'
    case 415: return 'unsupported-media-type'
    case 503: return 'unavailable'
    default: return 'bad-request'
  }
}

/** Normalises the host; throws unless it is a loopback name. */
export function checkLoopbackHost (host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (!LOOPBACK_HOSTS.has(bare)) {
    throw new Error(`the API must listen on a loopback address (127.0.0.1, ::1 or localhost), not ${JSON.stringify(host)}`)
  }
  return bare
}

/** Constant-time token check: compares SHA-256 digests, so the lengths always match. */
function tokenMatches (expectedDigest: Buffer, header: string | undefined): boolean {
  if (header === undefined) return false
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
  const presented = createHash('sha256').update(m?.[1] ?? '').digest()
  return timingSafeEqual(presented, expectedDigest) && m !== null
}

// ---- schemas -----------------------------------------------------------------------------------

const roomIdSchema = { type: 'string', minLength: 1, maxLength: MAX_ROOM_ID_LENGTH } as const
const roomParams = {
  type: 'object',
  required: ['roomId'],
  properties: { roomId: roomIdSchema },
  additionalProperties: false
} as const
const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const
const AFTER_PATTERN = '^(0|[1-9][0-9]{0,14})$'
const LIMIT_PATTERN = '^([1-9][0-9]{0,2}|1000)$'
const SEARCH_LIMIT_PATTERN = '^([1-9][0-9]?|100)$'

/** Friendlier text for query parameters validated by pattern (coercion is off, so they arrive as strings), by pattern. */
const PATTERN_HINTS: Record<string, string> = {
  [AFTER_PATTERN]: 'must be an integer >= 0',
  [LIMIT_PATTERN]: `must be an integer from 1 to ${MAX_MESSAGES_LIMIT}`,
  [SEARCH_LIMIT_PATTERN]: `must be an integer from 1 to ${MAX_SEARCH_LIMIT}`
}

function formatValidationErrors (errors: FastifySchemaValidationError[], dataVar: string): Error {
  const e = errors[0]
  const where = dataVar === 'querystring' ? 'query' : dataVar
  let message: string
  if (e === undefined) {
    message = `invalid ${where}`
  } else if (e.keyword === 'required') {
    message = `${where} must have property '${String(e.params.missingProperty)}'`
  } else if (e.keyword === 'additionalProperties') {
    message = `${where} has unknown property '${String(e.params.additionalProperty)}'`
  } else if (e.keyword === 'pattern' && dataVar === 'querystring' && PATTERN_HINTS[String(e.params.pattern)] !== undefined) {
    message = `${e.instancePath.slice(1)} ${PATTERN_HINTS[String(e.params.pattern)]}`
  } else {
    const field = e.instancePath === '' ? where : `${where}.${e.instancePath.slice(1).replaceAll('/', '.')}`
    message = `${field} ${e.message ?? 'is invalid'}`
  }
  const err = new Error(message) as Error & { validation: FastifySchemaValidationError[], statusCode: number }
  err.validation = errors
  err.statusCode = 400
  return err
}

// ---- server ------------------------------------------------------------------------------------

export async function startApiServer (opts: ApiServerOptions): Promise<ApiServer> {
  const host = checkLoopbackHost(opts.host)
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error(`invalid API port ${String(opts.port)}`)
  }
  if (typeof opts.token !== 'string' || opts.token.length === 0) {
    throw new Error('the API needs a non-empty token')
  }
  const node = opts.node
  const tokenDigest = createHash('sha256').update(opts.token).digest()
  const joinTimeoutMs = opts.joinTimeoutMs ?? JOIN_TIMEOUT_MS
  const keepAliveMs = opts.sseKeepAliveMs ?? SSE_KEEP_ALIVE_MS
  const maxBacklog = opts.sseMaxBacklog ?? SSE_MAX_BACKLOG
  const maxSseClients = opts.maxSseClients ?? MAX_SSE_CLIENTS
  const logger = opts.logger === true

  const streams = new Set<SseStream>()
  const pendingJoins = new Set<AbortController>()

  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT,
    exposeHeadRoutes: false,
    requestTimeout: 30_000,
    routerOptions: { maxParamLength: 512 },
    // Strict input: no silent stripping of unknown properties, no type coercion of bodies.
    // (Query parameters therefore arrive as strings and are checked by pattern.)
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    schemaErrorFormatter: formatValidationErrors
  })

  const logUnexpected = (request: FastifyRequest, err: unknown): void => {
    if (logger) request.log.error({ err }, 'unexpected error in API request')
    else console.error(`demes api: unexpected error in ${request.method} ${request.url}:`, err)
  }

  // An empty body with Content-Type: application/json counts as no body (so POST .../leave works
  // from clients that always send the header); otherwise fastify's safe JSON parser.
  const parseJson = app.getDefaultJsonParser('error', 'error') as (req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => void
  app.removeAllContentTypeParsers() // JSON only: anything else is 415
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') { done(null, undefined); return }
    parseJson(request, body as string, done)
  })

  app.addHook('onRequest', async (request, reply) => {
    if (!tokenMatches(tokenDigest, request.headers.authorization)) {
      return await reply.code(401).header('www-authenticate', 'Bearer')
        .send(errorBody('unauthorized', 'missing or wrong bearer token (Authorization: Bearer <token>)'))
    }
  })

  let closing = false
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store')
    // while shutting down, do not keep connections alive (close() would wait for them to idle out)
    if (closing) reply.header('connection', 'close')
    return payload
  })

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isApiError(err)) {
      if (err.code === 'internal') logUnexpected(request, err)
      return reply.code(API_ERROR_STATUS[err.code]).send(errorBody(err.code, err.message))
    }
    if (err.validation !== undefined) {
      return reply.code(400).send(errorBody('bad-request', err.message))
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500
    if (status >= 400 && status < 500) {
      // fastify's own client errors (bad JSON, body too large, wrong media type...): safe to show
      return reply.code(status).send(errorBody(codeForClientStatus(status), err.message))
    }
    if (status === 503) {
      return reply.code(503).send(errorBody('unavailable', 'the node is shutting down'))
    }
    logUnexpected(request, err)
    return reply.code(500).send(errorBody('internal', 'internal error'))
  })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0].slice(0, 200)
    return reply.code(404).send(errorBody('not-found', `no route ${request.method} ${path}`))
  })

  // Connections that never carried a request (HTTP clients open spare ones) are not "idle" to
  // node's server.close(), which would then wait for the headers timeout; close() drops them.
  const unusedSockets = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    unusedSockets.add(socket)
    socket.once('close', () => { unusedSockets.delete(socket) })
  })
  app.server.on('request', (req: IncomingMessage) => { unusedSockets.delete(req.socket) })

  app.addHook('preClose', (done) => {
    closing = true
    for (const socket of unusedSockets) socket.destroy()
    for (const ac of pendingJoins) ac.abort(new ApiError('unavailable', 'the node is shutting down'))
    for (const stream of streams) stream.end()
    done()
  })

  // GET /node
  app.get(`${API_PREFIX}/node`, { schema: { querystring: noQuery } }, async () => {
    const { peerId, name, addrs } = node.info()
    return { peerId, name, addrs }
  })

  // POST /rooms
  app.post<{ Body: { name: string } }>(`${API_PREFIX}/rooms`, {
    schema: {
      querystring: noQuery,
      body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, additionalProperties: false }
    }
  }, async (request, reply) => {
    const { roomId } = await node.createRoom(request.body.name)
    return await reply.code(201).send({ roomId })
  })

  // GET /rooms
  app.get(`${API_PREFIX}/rooms`, { schema: { querystring: noQuery } }, async () => {
    return { rooms: node.listRooms().map(r => ({ roomId: r.roomId, name: r.name })) }
  })

  // POST /rooms/:roomId/invites
  app.post<{ Params: { roomId: string }, Body: { ttlSeconds?: number } | undefined }>(`${API_PREFIX}/rooms/:roomId/invites`, {
    schema: {
      params: roomParams,
      querystring: noQuery,
      body: {
        type: ['object', 'null'],
        properties: { ttlSeconds: { type: 'integer', minimum: 1, maximum: MAX_INVITE_TTL_SECONDS } },
        additionalProperties: false
      }
    }
  }, async (request, reply) => {
    const ttlSeconds = request.body?.ttlSeconds
    const invite = await node.createInvite(request.params.roomId, ttlSeconds === undefined ? undefined : { ttlMs: ttlSeconds * 1000 })
    return await reply.code(201).send({ invite })
  })

  // POST /join
  app.post<{ Body: { invite: string } }>(`${API_PREFIX}/join`, {
    schema: {
      querystring: noQuery,
      body: {
        type: 'object',
        required: ['invite'],
        properties: { invite: { type: 'string', minLength: 1, maxLength: MAX_INVITE_LENGTH } },
        additionalProperties: false
      }
    }
  }, async (request, reply) => {
    const ac = new AbortController()
    const timer = setTimeout(() => {
      ac.abort(new ApiError('unavailable', `could not join within ${Math.round(joinTimeoutMs / 1000)} s`))
    }, joinTimeoutMs)
    // The response closing before we wrote it means the client disconnected.
    const res = reply.raw
    const onClientGone = (): void => {
      if (!res.writableEnded) ac.abort(new ApiError('unavailable', 'the client went away'))
    }
    res.once('close', onClientGone)
    pendingJoins.add(ac)
    try {
      // Do not depend on the node honouring the signal: stop waiting as soon as it aborts.
      const aborted = new Promise<never>((_resolve, reject) => {
        ac.signal.addEventListener('abort', () => { reject(ac.signal.reason) }, { once: true })
      })
      const { roomId } = await Promise.race([node.join(request.body.invite, { signal: ac.signal }), aborted])
      return { roomId }
    } catch (err) {
      if (ac.signal.aborted && !isApiError(err)) throw ac.signal.reason
      throw err
    } finally {
      clearTimeout(timer)
      res.off('close', onClientGone)
      pendingJoins.delete(ac)
    }
  })

  // POST /rooms/:roomId/leave
  app.post<{ Params: { roomId: string } }>(`${API_PREFIX}/rooms/:roomId/leave`, {
    schema: { params: roomParams, querystring: noQuery, body: { type: ['object', 'null'], properties: {}, additionalProperties: false } }
  }, async (request, reply) => {
    await node.leave(request.params.roomId)
    return await reply.code(204).send()
  })

  // GET /rooms/:roomId
  app.get<{ Params: { roomId: string } }>(`${API_PREFIX}/rooms/:roomId`, {
    schema: { params: roomParams, querystring: noQuery }
  }, async (request) => {
    return node.room(request.params.roomId)
  })

  // POST /rooms/:roomId/messages
  app.post<{ Params: { roomId: string }, Body: { text: string } }>(`${API_PREFIX}/rooms/:roomId/messages`, {
    schema: {
      params: roomParams,
      querystring: noQuery,
      body: { type: 'object', required: ['text'], properties: { text: { type: 'string' } }, additionalProperties: false }
    }
  }, async (request, reply) => {
    const { id } = await node.send(request.params.roomId, request.body.text)
    return await reply.code(202).send({ id, status: 'pending' })
  })

  // GET /rooms/:roomId/messages?after=&limit= or ?before=&limit=
  app.get<{ Params: { roomId: string }, Querystring: { after?: string, before?: string, limit?: string } }>(`${API_PREFIX}/rooms/:roomId/messages`, {
    schema: {
      params: roomParams,
      querystring: {
        type: 'object',
        properties: {
          after: { type: 'string', pattern: AFTER_PATTERN },
          before: { type: 'string', pattern: AFTER_PATTERN },
          limit: { type: 'string', pattern: LIMIT_PATTERN }
        },
        additionalProperties: false
      }
    }
  }, async (request) => {
    const { after, before } = request.query
    if (after !== undefined && before !== undefined) throw new ApiError('bad-request', 'give after or before, not both')
    const limit = request.query.limit === undefined ? DEFAULT_MESSAGES_LIMIT : Number(request.query.limit)
    const page = before !== undefined ? { before: Number(before) } : { after: after === undefined ? 0 : Number(after) }
    return { messages: node.messages(request.params.roomId, { ...page, limit }) }
  })

  // GET /rooms/:roomId/search?q=&limit=&before=
  app.get<{ Params: { roomId: string }, Querystring: { q: string, limit?: string, before?: string } }>(`${API_PREFIX}/rooms/:roomId/search`, {
    schema: {
      params: roomParams,
      querystring: {
        type: 'object',
        required: ['q'],
        properties: {
          q: { type: 'string', minLength: 1, maxLength: MAX_QUERY_LENGTH },
          limit: { type: 'string', pattern: SEARCH_LIMIT_PATTERN },
          before: { type: 'string', pattern: AFTER_PATTERN }
        },
        additionalProperties: false
      }
    }
  }, async (request) => {
    const { q, before } = request.query
    const limit = request.query.limit === undefined ? DEFAULT_SEARCH_LIMIT : Number(request.query.limit)
    return { messages: node.search(request.params.roomId, q, { limit, ...(before !== undefined ? { before: Number(before) } : {}) }) }
  })

  // GET /rooms/:roomId/outbox
  app.get<{ Params: { roomId: string } }>(`${API_PREFIX}/rooms/:roomId/outbox`, {
    schema: { params: roomParams, querystring: noQuery }
  }, async (request) => {
    return { outbox: node.outbox(request.params.roomId) }
  })

  // GET /events?room=
  app.get<{ Querystring: { room?: string } }>(`${API_PREFIX}/events`, {
    schema: {
      querystring: { type: 'object', properties: { room: roomIdSchema }, additionalProperties: false }
    }
  }, (request, reply) => {
    if (streams.size >= maxSseClients) {
      void reply.code(503).send(errorBody('unavailable', `too many event streams (at most ${maxSseClients})`))
      return
    }
    const room = request.query.room
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, SSE_HEADERS)

    let unsubscribe: (() => void) | undefined
    let keepAlive: NodeJS.Timeout | undefined
    const stream: SseStream = new SseStream(res, {
      maxBacklog,
      onEnd: (reason) => {
        streams.delete(stream)
        if (keepAlive !== undefined) clearInterval(keepAlive)
        if (unsubscribe !== undefined) {
          const u = unsubscribe
          unsubscribe = undefined
          try { u() } catch (err) { logUnexpected(request, err) }
        }
        if (reason === 'too-slow') request.log.warn('dropped an event stream whose client did not keep up')
      }
    })
    streams.add(stream)
    // open the stream at once, so the client sees the headers before the first event
    stream.write(': connected\n\n')

    const listener = (event: NodeEvent): void => {
      try {
        if (room !== undefined && event.roomId !== room) return
        stream.write(formatEvent(event))
      } catch (err) {
        logUnexpected(request, err)
      }
    }
    try {
      unsubscribe = node.subscribe(listener)
    } catch (err) {
      logUnexpected(request, err)
      res.destroy()
      return
    }
    if (stream.closed) {
      // the client left before we subscribed
      const u = unsubscribe
      unsubscribe = undefined
      u()
      return
    }
    keepAlive = setInterval(() => { stream.write(KEEP_ALIVE_CHUNK) }, keepAliveMs)
    keepAlive.unref()
  })

  try {
    await app.listen({ host, port: opts.port })
  } catch (err) {
    await app.close().catch(() => {})
    throw err
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : opts.port
  const url = host === '::1' ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`

  let closed: Promise<void> | undefined
  return {
    url,
    port,
    close: async () => {
      closed ??= (async () => {
        const cut = setTimeout(() => { app.server.closeAllConnections() }, CLOSE_GRACE_MS)
        cut.unref()
        try {
          await app.close()
        } finally {
          clearTimeout(cut)
        }
      })()
      await closed
    }
  }
}
