import { chmod, mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { IDENTITY_FILE, loadOrCreateIdentity } from '../../src/crypto/identity.js'

const posix = process.platform !== 'win32'
let root: string
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'demes-identity-')) })
afterEach(async () => { await rm(root, { recursive: true, force: true }) })

test('creates an Ed25519 identity once and loads the same one afterwards', async () => {
  const dir = join(root, 'nested', 'data')
  const first = await loadOrCreateIdentity(dir)
  expect(first.privateKey.type).toBe('Ed25519')
  expect(first.peerId.type).toBe('Ed25519')
  expect(first.warnings).toEqual([])
  const second = await loadOrCreateIdentity(dir)
  expect(second.peerId.toString()).toBe(first.peerId.toString())
  expect(second.privateKey.equals(first.privateKey)).toBe(true)
  expect(second.warnings).toEqual([])
  // the atomic write leaves no temp file behind
  expect(await readdir(dir)).toEqual([IDENTITY_FILE])
})

;(posix ? test : test.skip)('key file is 0600 and a created data dir is 0700', async () => {
  const dir = join(root, 'data')
  await loadOrCreateIdentity(dir)
  expect((await stat(join(dir, IDENTITY_FILE))).mode & 0o777).toBe(0o600)
  expect((await stat(dir)).mode & 0o777).toBe(0o700)
})

;(posix ? test : test.skip)('warns, but still loads, when the key file is readable by others', async () => {
  const id = await loadOrCreateIdentity(root)
  await chmod(join(root, IDENTITY_FILE), 0o644)
  const again = await loadOrCreateIdentity(root)
  expect(again.peerId.toString()).toBe(id.peerId.toString())
  expect(again.warnings).toHaveLength(1)
  expect(again.warnings[0]).toMatch(/chmod 600/)
})

test('a corrupt key file is an error and is left untouched', async () => {
  const path = join(root, IDENTITY_FILE)
  const garbage = new Uint8Array([1, 2, 3, 4, 5, 250, 251])
  await writeFile(path, garbage, { mode: 0o600 })
  await expect(loadOrCreateIdentity(root)).rejects.toThrow(/identity key .* is corrupt/)
  expect(new Uint8Array(await readFile(path))).toEqual(garbage)
})

test('an empty key file is an error, not a fresh identity', async () => {
  await writeFile(join(root, IDENTITY_FILE), new Uint8Array(0), { mode: 0o600 })
  await expect(loadOrCreateIdentity(root)).rejects.toThrow(/identity key/)
})

test('a non-Ed25519 key file is an error', async () => {
  const path = join(root, IDENTITY_FILE)
  await writeFile(path, privateKeyToProtobuf(await generateKeyPair('secp256k1')), { mode: 0o600 })
  await expect(loadOrCreateIdentity(root)).rejects.toThrow(/secp256k1 key, but DeMeS identities must be Ed25519/)
})

test('an oversized key file is an error', async () => {
  await writeFile(join(root, IDENTITY_FILE), new Uint8Array(100_000), { mode: 0o600 })
  await expect(loadOrCreateIdentity(root)).rejects.toThrow(/too large/)
})
