#!/usr/bin/env node
// The `demes` command. main(argv, io) builds the command tree, runs one command and returns the
// exit code (0 ok, 1 failure, 2 usage error); it never calls process.exit, so tests call it directly.
import '../polyfill.js'
import { readFileSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Command, CommanderError } from 'commander'
import { register as registerChat } from './commands/chat.js'
import { register as registerHistory } from './commands/history.js'
import { register as registerRoom } from './commands/room.js'
import { register as registerSearch } from './commands/search.js'
import { register as registerSend } from './commands/send.js'
import { register as registerStart, type RunDaemon } from './commands/start.js'
import { register as registerStatus } from './commands/status.js'
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, oneLine, UsageError, type Io } from './common.js'

export type { Io } from './common.js'

/** What tests may replace; production uses the real ones. */
export interface Deps {
  /** Runs the node for `demes start` (default: runDaemon from src/node/daemon.ts, imported lazily). */
  runDaemon?: RunDaemon
}

export function processIo (): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }
}

/** The command tree, writing to `io`; errors surface as thrown CommanderError instead of process.exit. */
export function buildProgram (io: Io, deps: Deps = {}): Command {
  const program = new Command('demes')
    .description('DeMeS: serverless group chat. Start a node with `demes start`; the other commands talk to it.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    // settings below are copied to every subcommand created with .command()
    .exitOverride()
    .allowExcessArguments(false)
    .allowUnknownOption(false)
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => { io.stdout.write(s) },
      writeErr: (s) => { io.stderr.write(s) },
      outputError: (s, write) => { write(`demes: ${oneLine(s.replace(/^error:\s*/, ''))}\n`) }
    })
  registerStart(program, io, deps.runDaemon)
  registerRoom(program, io)
  registerSend(program, io)
  registerStatus(program, io)
  registerHistory(program, io)
  registerSearch(program, io)
  registerChat(program, io)
  return program
}

/** Runs `demes <argv>` and returns the exit code. */
export async function main (argv: string[], io: Io = processIo(), deps: Deps = {}): Promise<number> {
  try {
    await buildProgram(io, deps).parseAsync(argv, { from: 'user' })
    return EXIT_OK
  } catch (err) {
    // commander has already printed its message (help, version, or `demes: <usage error>`)
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE
    // not `instanceof Error`: errors from undici (fetch) may come from another realm
    const message = typeof (err as Error)?.message === 'string' ? (err as Error).message : String(err)
    io.stderr.write(`demes: ${oneLine(message)}\n`)
    const stack = (err as Error)?.stack
    if (io.env.DEMES_DEBUG != null && io.env.DEMES_DEBUG !== '' && !(err instanceof CliError) && typeof stack === 'string') {
      io.stderr.write(stack + '\n')
    }
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE
  }
}

function packageVersion (): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.url))
    for (let i = 0; i < 5; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string, version?: string }
        if (pkg.name === 'demes' && typeof pkg.version === 'string') return pkg.version
      } catch {}
      dir = dirname(dir)
    }
  } catch {}
  return 'unknown'
}

function isEntryPoint (): boolean {
  const entry = process.argv[1]
  if (entry == null) return false
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(code => {
    process.exitCode = code
  }, (err: unknown) => {
    process.stderr.write(`demes: ${String(err)}\n`)
    process.exitCode = EXIT_FAILURE
  })
}
