/**
 * The runtime started with pipes for the SDK (src/sdk): a program embedding tsc-box gets the
 * container's stdout and stderr as its own streams instead of sharing its process's stdio.
 * Node spawns and reaps this child itself (the command line's napi spawn reaps its own with
 * waitpid and never sees Node's children), and no signal of the embedding process is
 * forwarded: a library does not take over its host's signal handlers.
 */
import {spawn} from 'node:child_process'
import {constants} from 'node:os'
import type {Readable} from 'node:stream'
import type {ProcessStatus} from '../runtime/log'
import type {LaunchIo} from './launch'

/** How long output may still arrive after the child exited (a process that escaped the container's end may hold the pipe). */
const DRAIN_LIMIT_MS = 5000

function drained(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve()
    stream.once('end', resolve)
    stream.once('close', resolve)
    stream.once('error', () => resolve())
  })
}

export function launchPiped(file: string, args: string[], io: LaunchIo, onSpawn?: (pid: number) => void): Promise<ProcessStatus> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {stdio: [io.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']})
    child.once('error', reject)
    child.once('spawn', () => {
      if (child.pid !== undefined) onSpawn?.(child.pid)
    })
    // Our end of the pipe must not keep the output going to a caller that stopped reading.
    // Pipes, as asked above: neither is null.
    const stdout = child.stdout as Readable
    const stderr = child.stderr as Readable
    stdout.pipe(io.stdout, {end: false})
    stderr.pipe(io.stderr, {end: false})
    if (child.stdin) {
      // A container that exits without reading all of its input closes the pipe: no error.
      child.stdin.on('error', () => undefined)
      const input = io.stdin
      if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input)
      else input?.pipe(child.stdin)
    }
    child.once('exit', (code, signal) => {
      const status: ProcessStatus = {exitCode: code, signal: signal === null ? null : signalNumber(signal)}
      const limit = new Promise<void>((r) => setTimeout(r, DRAIN_LIMIT_MS).unref())
      void Promise.race([Promise.all([drained(stdout), drained(stderr)]), limit]).then(() => {
        stdout.destroy()
        stderr.destroy()
        resolve(status)
      })
    })
  })
}

function signalNumber(name: NodeJS.Signals): number {
  return constants.signals[name] ?? 0
}
