// A member's long-term identity: one libp2p Ed25519 key per data directory. The peer id derived
// from it is the member's name in every room, so losing or silently replacing the key file would
// turn the member into a stranger; hence corrupt files are an error, never overwritten.
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Ed25519PeerId, Ed25519PrivateKey } from '@libp2p/interface'

export const IDENTITY_FILE = 'identity.key'
/** An Ed25519 key encodes to 68 bytes; anything much larger is not a key file. */
const MAX_KEY_FILE_BYTES = 1024

export interface Identity {
  privateKey: Ed25519PrivateKey
  peerId: Ed25519PeerId
  /** Human-readable problems that did not stop loading (e.g. a key file readable by others). */
  warnings: string[]
}

/**
 * Loads `dataDir/identity.key`, or creates a fresh Ed25519 identity there if the file does not exist.
 * Throws a descriptive Error if the file exists but is not a usable Ed25519 key.
 */
export async function loadOrCreateIdentity (dataDir: string): Promise<Identity> {
  const path = join(dataDir, IDENTITY_FILE)
  const existing = await readKeyFile(path)
  if (existing != null) {
    const privateKey = decodeKey(path, existing.bytes)
    return { privateKey, peerId: peerIdFromPrivateKey(privateKey), warnings: existing.warnings }
  }
  // mkdir's mode applies only to directories it creates; an existing data dir keeps its mode.
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const privateKey = await generateKeyPair('Ed25519')
  await writeFileAtomic(path, privateKeyToProtobuf(privateKey))
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey), warnings: [] }
}

async function readKeyFile (path: string): Promise<{ bytes: Uint8Array, warnings: string[] } | undefined> {
  let info
  try {
    info = await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (!info.isFile()) throw new Error(`identity key ${path} is not a regular file`)
  if (info.size > MAX_KEY_FILE_BYTES) throw new Error(`identity key ${path} is ${info.size} bytes, too large to be a key file`)
  const warnings: string[] = []
  // POSIX permission bits are meaningless on Windows. We warn rather than refuse, so a user who
  // copied the file carelessly is told how to fix it instead of being locked out.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    warnings.push(`identity key ${path} is accessible by group/others (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${path}`)
  }
  return { bytes: await readFile(path), warnings }
}

function decodeKey (path: string, bytes: Uint8Array): Ed25519PrivateKey {
  let key
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new Error(`identity key ${path} is corrupt (${(err as Error).message}); it was left untouched — move it away to create a new identity`)
  }
  if (key.type !== 'Ed25519') {
    throw new Error(`identity key ${path} holds a ${key.type} key, but DeMeS identities must be Ed25519; it was left untouched`)
  }
  return key
}

/** Write to a private temp file, fsync, then rename: a crash never leaves a half-written key. */
async function writeFileAtomic (path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  const fh = await open(tmp, 'wx', 0o600) // 'wx': never follow or reuse an existing file
  try {
    await fh.writeFile(data)
    await fh.chmod(0o600) // the open mode is filtered by the umask; make sure it is exactly 0600
    await fh.sync()
  } catch (err) {
    await fh.close()
    await unlink(tmp).catch(() => {})
    throw err
  }
  await fh.close()
  try {
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  await syncDir(dirname(path))
}

/** Persist the rename itself; not every platform can fsync a directory, which is fine to skip. */
async function syncDir (dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r')
    try { await fh.sync() } finally { await fh.close() }
  } catch {}
}
