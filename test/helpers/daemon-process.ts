import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { waitForValue } from './wait.js'

/** What `demes start` writes to DIR/node.json once it is ready. */
export interface NodeFile { peerId: string, name: string, api: string, token: string, addrs: string[] }

export interface SpawnedDaemon { proc: ChildProcess, info: NodeFile, stderr: () => string }

/**
 * Runs `command args`, a `demes start` on data directory `dir` (directly, or inside a network
 * namespace), and resolves once it has written DIR/node.json; rejects with its stderr if it exits
 * first. A node.json left behind by a kill -9 is removed before the start.
 */
export async function spawnDaemon (command: string, args: string[], dir: string, env: NodeJS.ProcessEnv = process.env): Promise<SpawnedDaemon> {
  const file = join(dir, 'node.json')
  rmSync(file, { force: true })
  const proc = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env })
  let stderr = ''
  proc.stderr?.on('data', chunk => { stderr += String(chunk) })
  const info = await waitForValue(() => {
    if (proc.exitCode != null) throw new Error(`the node in ${dir} exited: ${stderr}`)
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as NodeFile : undefined
  })
  return { proc, info, stderr: () => stderr }
}
