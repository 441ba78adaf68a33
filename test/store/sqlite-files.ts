import { afterAll } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStorage } from '../../src/store/sqlite.js'

/**
 * Database files for one test file, in a temporary directory of their own: `newPath()` names a fresh
 * file, `open(path)` opens it; after the file's tests every storage opened here is closed and the
 * directory removed.
 */
export function sqliteFiles (prefix: string): { newPath: () => string, open: (path: string) => SqliteStorage } {
  const root = mkdtempSync(join(tmpdir(), `demes-${prefix}-`))
  let files = 0
  const opened: SqliteStorage[] = []
  afterAll(() => {
    for (const s of opened) s.close()
    rmSync(root, { recursive: true, force: true })
  })
  return {
    newPath: () => join(root, `${files++}.db`),
    open: path => {
      const storage = SqliteStorage.open(path)
      opened.push(storage)
      return storage
    }
  }
}
