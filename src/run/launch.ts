/**
 * Runs the runtime binary in the foreground: inherited stdio (stdin /dev/null without -i),
 * the signals tsc-box receives forwarded to it (it forwards them to the container), and the
 * exit status awaited off the event loop by the napi binding.
 */
import {native} from '../native'
import type {ProcessStatus} from '../runtime/log'

/** The signals docker's sig-proxy forwards and the issue asks for. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']

export interface LaunchOptions {
  file: string
  args: string[]
  /** Give the child the caller's stdin (-i); otherwise /dev/null, like docker. */
  stdin: boolean
  /** Relay through pipes the streams that are the caller's terminal (runs without -t). */
  relayTerminals?: boolean
  /** Called with the pid as soon as the child exists. */
  onSpawn?: (pid: number) => void
}

export async function launch(opts: LaunchOptions): Promise<ProcessStatus> {
  const n = native()
  let pid = 0
  const pending: NodeJS.Signals[] = []
  const forward = (sig: NodeJS.Signals) => {
    if (pid === 0) {
      pending.push(sig)
      return
    }
    try {
      process.kill(pid, sig)
    } catch {
      // the runtime already exited; its status is on the way
    }
  }
  // Handlers go in before the spawn, so that a signal in between is queued, not fatal to us.
  const handlers = FORWARDED_SIGNALS.map((sig) => {
    const h = () => forward(sig)
    process.on(sig, h)
    return [sig, h] as const
  })
  try {
    pid = n.spawnProcess({file: opts.file, args: opts.args, stdin: opts.stdin ? 'inherit' : 'null', relayTerminals: opts.relayTerminals ?? false})
    opts.onSpawn?.(pid)
    for (const sig of pending.splice(0)) forward(sig)
    const st = await n.waitProcess(pid)
    return {exitCode: st.exitCode ?? null, signal: st.signal ?? null}
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h)
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
