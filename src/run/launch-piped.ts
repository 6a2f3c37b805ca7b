/**
 * The runtime started with pipes for the SDK (src/sdk): a program embedding tsc-box gets the
 * container's stdout and stderr as its own streams instead of sharing its process's stdio.
 * The binding spawns and reaps the child as for the command line (spawnProcess, waitProcess);
 * only the fds differ: pipes whose other ends this process reads as streams. A foreground
 * run's log is kept the same way (the binding's relay copies to the pipe and the log). No
 * signal of the embedding process is forwarded: a library does not take over its host's
 * signal handlers.
 */
import * as fs from 'node:fs'
import * as net from 'node:net'
import type {Readable} from 'node:stream'
import {native} from '../native'
import type {ProcessStatus} from '../runtime/log'
import type {LaunchIo} from './launch'

/** How long output may still arrive after the child exited (a process that escaped the container's end may hold the pipe). */
const DRAIN_LIMIT_MS = 5000

function ended(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.readableEnded || stream.destroyed) return resolve()
    stream.once('end', resolve)
    stream.once('close', resolve)
    stream.once('error', () => resolve())
  })
}

/** Our end of a pipe as a Node stream (which closes the fd when destroyed). */
function socket(fd: number, mode: 'read' | 'write'): net.Socket {
  return new net.Socket({fd, readable: mode === 'read', writable: mode === 'write'})
}

export async function launchPiped(file: string, args: string[], io: LaunchIo, log?: string, onSpawn?: (pid: number) => void): Promise<ProcessStatus> {
  const n = native()
  const [outR, outW] = n.makePipe() as [number, number]
  const [errR, errW] = n.makePipe() as [number, number]
  const input = io.stdin === undefined ? undefined : (n.makePipe() as [number, number])
  let pid: number
  try {
    pid = n.spawnProcess({file, args, stdin: 'null', stdinFd: input?.[0], stdoutFd: outW, stderrFd: errW, log})
  } catch (e) {
    for (const fd of [outR, errR, ...(input ? [input[1]] : [])]) fs.closeSync(fd)
    throw e
  } finally {
    // The child (and the binding's relays) have their own copies: EOF comes when they are done.
    for (const fd of [outW, errW, ...(input ? [input[0]] : [])]) fs.closeSync(fd)
  }
  onSpawn?.(pid)
  const stdout = socket(outR, 'read')
  const stderr = socket(errR, 'read')
  stdout.pipe(io.stdout, {end: false})
  stderr.pipe(io.stderr, {end: false})
  if (input) {
    const sink = socket(input[1], 'write')
    // A container that exits without reading all of its input closes the pipe: no error.
    sink.on('error', () => undefined)
    const given = io.stdin
    if (typeof given === 'string' || Buffer.isBuffer(given)) sink.end(given)
    else given?.pipe(sink)
  }
  const st = await n.waitProcess(pid)
  const limit = new Promise<void>((r) => setTimeout(r, io.drainMs ?? DRAIN_LIMIT_MS).unref())
  await Promise.race([Promise.all([ended(stdout), ended(stderr)]), limit])
  stdout.destroy()
  stderr.destroy()
  return {exitCode: st.exitCode ?? null, signal: st.signal ?? null}
}
