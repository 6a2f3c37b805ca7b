/**
 * Runs the runtime binary in the foreground: inherited stdio (stdin /dev/null without -i),
 * the signals tsc-box receives forwarded to it (it forwards them to the container), and the
 * exit status awaited off the event loop by the napi binding.
 */
import {native} from '../native'
import type {ProcessStatus} from '../runtime/log'
import type {SignalForwarder} from './signals'

/**
 * The SDK's streams for a child (src/sdk): instead of this process's stdio, the child gets
 * pipes (src/run/launch-piped.ts); what it writes goes to `stdout`/`stderr` and `stdin` is fed
 * to it. The command line never passes this (its stdio is inherited, or relayed from a terminal).
 */
export interface LaunchIo {
  stdin?: NodeJS.ReadableStream | Buffer | string
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /**
   * How long output may still come once the child has exited (default 5 s: a process that
   * escaped the container's end may hold the pipes). `exec -d` leaves its process holding them.
   */
  drainMs?: number
}

export interface LaunchOptions {
  file: string
  args: string[]
  /** Give the child the caller's stdin (-i); otherwise /dev/null, like docker. */
  stdin: boolean
  /** Relay through pipes the streams that are the caller's terminal (runs without -t). */
  relayTerminals?: boolean
  /** Where the signals tsc-box receives go while the child runs. */
  signals?: SignalForwarder
  /**
   * The container's log (a foreground `run`'s): stdout and stderr are copied through pipes to
   * ours and appended to it in the detached monitor's format (crates/core monitor::logfile).
   */
  log?: string
  /** Called with the pid as soon as the child exists. */
  onSpawn?: (pid: number) => void
  /** Pipes to the SDK's streams instead of the caller's stdio (`stdin`, `relayTerminals` and `signals` then do not apply; `log` does). */
  io?: LaunchIo
}

export async function launch(opts: LaunchOptions): Promise<ProcessStatus> {
  if (opts.io) return (await import('./launch-piped')).launchPiped(opts.file, opts.args, opts.io, opts.log, opts.onSpawn)
  const n = native()
  const pid = n.spawnProcess({
    file: opts.file,
    args: opts.args,
    stdin: opts.stdin ? 'inherit' : 'null',
    relayTerminals: opts.relayTerminals ?? false,
    log: opts.log,
  })
  opts.onSpawn?.(pid)
  opts.signals?.attach(pid)
  try {
    const st = await n.waitProcess(pid)
    return {exitCode: st.exitCode ?? null, signal: st.signal ?? null}
  } finally {
    opts.signals?.detach()
  }
}

/** The size of the caller's terminal (stdin, else stdout, else stderr), for `-t`. */
export function callerTerminalSize(): {width: number; height: number} | undefined {
  const n = native()
  for (const fd of [0, 1, 2]) {
    const size = n.terminalSize(fd)
    if (size) return {width: size.cols, height: size.rows}
  }
  return undefined
}
