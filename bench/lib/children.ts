// Every child process the benchmark starts is registered here, so that nothing outlives the run:
// the children are killed on normal exit, on an uncaught error, on SIGINT/SIGTERM and when the
// global deadline passes. Children also watch their pipe to us (bench/watchdog.ts, bench/peer.ts),
// which covers the case where this process is itself killed with SIGKILL.
import type { ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'

const children = new Set<ChildProcess>()
const tempDirs = new Set<string>()
let installed = false

export function track (child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => { children.delete(child) })
  return child
}

/** A directory removed at exit (daemon data directories). */
export function trackDir (dir: string): void {
  tempDirs.add(dir)
}

export function alive (child: ChildProcess): boolean {
  return child.exitCode == null && child.signalCode == null
}

/** SIGKILL every child still running and remove temporary directories; synchronous, so safe in 'exit'. */
export function killAllChildren (): void {
  for (const child of children) if (alive(child)) child.kill('SIGKILL')
  children.clear()
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
  tempDirs.clear()
}

/** Resolves once the child has exited (at once if it already has); SIGKILLs it after `timeoutMs`. */
export async function waitExit (child: ChildProcess, timeoutMs: number): Promise<void> {
  if (!alive(child)) return
  await new Promise<void>(resolve => {
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.once('exit', () => { clearTimeout(timer); resolve() })
  })
}

/** Installs the exit, signal, error and deadline handlers (once). */
export function installCleanup (deadlineMs: number): void {
  if (installed) return
  installed = true
  process.on('exit', killAllChildren)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping all children\n`)
      killAllChildren()
      process.exit(130)
    })
  }
  const fail = (what: string) => (err: unknown): void => {
    process.stderr.write(`bench: ${what}: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    killAllChildren()
    process.exit(1)
  }
  process.on('uncaughtException', fail('uncaught exception'))
  process.on('unhandledRejection', fail('unhandled rejection'))
  // The whole run is bounded in time, whatever happens inside it.
  setTimeout(() => {
    process.stderr.write(`bench: global deadline of ${Math.round(deadlineMs / 1000)} s passed, stopping\n`)
    killAllChildren()
    process.exit(1)
  }, deadlineMs).unref()
}
