/**
 * `exec` for the SDK: the runtime's front door (`tsc-box-runtime --cli exec`, the code the
 * command line runs: the container, its user, the process) started with pipes. Under `--json`
 * the front door ends its stdout with one JSON line (`{id, exitCode}`, or the error object of
 * the error contract); the last line is held back from the caller's stream and read here.
 */
import {Transform, type TransformCallback} from 'node:stream'
import type {ErrorCode} from '../generated/error-codes'
import {launch} from '../run/launch'
import {TscBoxError} from './errors'
import type {OutputStreams} from './output'

/**
 * `exec -d`: the process keeps the pipes open after the front door has written its line and
 * exited; what is in the pipes by then is read, without waiting for the process's end.
 */
const DETACHED_DRAIN_MS = 100

/** More than the front door's JSON line can be (an id and a status, or a code and a message). */
const MAX_HELD = 64 * 1024

/** Passes stdout on but its last line, which `report()` reads once the stream has ended. */
class LastLineHeld extends Transform {
  private held = Buffer.alloc(0)

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const all = Buffer.concat([this.held, chunk])
    // Everything before the last line's start goes on; a line is held until a later one begins.
    const end = all.length > 0 && all[all.length - 1] === 0x0a ? all.length - 1 : all.length
    // A long line without a newline (binary output) is not held whole: the front door's line
    // is short, so only its possible length stays behind.
    const cut = Math.max(all.lastIndexOf(0x0a, end - 1) + 1, all.length - MAX_HELD)
    if (cut > 0) this.push(all.subarray(0, cut))
    this.held = all.subarray(cut)
    done()
  }

  /** The front door's JSON line taken off the held text; the rest is the process's output. */
  report(): {output: Buffer; json: unknown} {
    const text = this.held.toString('latin1')
    for (const start of ['{"error":', '{"exitCode":', '{"id":']) {
      const at = text.lastIndexOf(start)
      if (at < 0) continue
      try {
        return {output: this.held.subarray(0, at), json: JSON.parse(text.slice(at))}
      } catch {
        // not the front door's line
      }
    }
    return {output: this.held, json: undefined}
  }
}

interface FrontReport {
  exitCode?: number
  error?: {code: ErrorCode; message: string}
}

/** Runs `args` (the front door's exec flags and arguments, --json among them) and returns the process's exit status. */
export async function frontExec(
  runtime: string,
  args: string[],
  out: OutputStreams,
  stdin?: NodeJS.ReadableStream | Buffer | string,
  detach = false,
): Promise<number> {
  const held = new LastLineHeld()
  held.pipe(out.stdout as NodeJS.WritableStream, {end: false})
  const status = await launch({
    file: runtime,
    args: ['--cli', 'exec', ...args],
    stdin: false,
    io: {stdin, stdout: held, stderr: out.stderr, drainMs: detach ? DETACHED_DRAIN_MS : undefined},
  })
  // 'end': everything before the last line has gone on to the caller's stream, in order.
  const ended = new Promise<void>((r) => held.once('end', () => r()))
  held.end()
  await ended
  const {output, json} = held.report()
  if (output.length > 0) out.stdout.write(output)
  const report = json as FrontReport | undefined
  if (report?.error) throw new TscBoxError(report.error.code, report.error.message, status.exitCode ?? undefined)
  if (typeof report?.exitCode === 'number') return report.exitCode
  if (status.signal !== null) return 128 + status.signal
  return status.exitCode ?? 125
}
