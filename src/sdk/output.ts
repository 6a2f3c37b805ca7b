/**
 * Where a container's output goes in the SDK: into buffers by default, or to the caller's
 * streams when it gives them.
 */
import {Writable} from 'node:stream'

/** A sink that keeps every chunk, for the result's `stdout`/`stderr` buffers. */
export class Collector extends Writable {
  private readonly chunks: Buffer[] = []

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
    done()
  }

  get buffer(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

/** The streams a run or an exec writes to, and how to read the buffers back afterwards. */
export interface OutputStreams {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** The captured buffers (empty for a stream the caller gave). */
  buffers(): {stdout: Buffer; stderr: Buffer}
}

export function outputStreams(given: {stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream}): OutputStreams {
  const out = given.stdout ?? new Collector()
  const err = given.stderr ?? new Collector()
  const read = (s: NodeJS.WritableStream) => (s instanceof Collector ? s.buffer : Buffer.alloc(0))
  return {stdout: out, stderr: err, buffers: () => ({stdout: read(out), stderr: read(err)})}
}
