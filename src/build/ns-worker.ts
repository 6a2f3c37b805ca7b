/**
 * A rootless build's worker: started by the build through `tsc-box-runtime helper userns-exec`
 * as root of a user namespace mapping the user's subordinate ids (root inside = the user), in
 * a mount namespace of its own. It reads one step (src/build/ns-job.ts) on stdin, does it
 * with the build's own code (Builder.stepForBuild: the overlay mounted with userxattr, files
 * given the container's owners, the layer made and stored, the cache entry written), and
 * writes its events, the overlay directories it plans and its result, or its error, as JSON
 * lines on stdout.
 */
import {Builder} from './builder'
import {decodeJob, encodeJob, type NamespaceJob} from './ns-job'
import {isCliError} from '../errors'

async function main(): Promise<void> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  const job = decodeJob(Buffer.concat(chunks).toString('utf8')) as NamespaceJob
  const say = (m: unknown) => process.stdout.write(`${encodeJob(m)}\n`)
  try {
    const builder = new Builder(job.opts, say)
    say({done: await builder.stepForBuild(job, (dir) => say({planned: dir}))})
  } catch (e) {
    say({error: {code: isCliError(e) ? e.code : 'build_failed', message: (e as Error).message}})
    process.exitCode = 1
  }
}

void main()
