/**
 * The runtime's `delete --force` for what `container prune` removes (the lifecycle verbs call
 * the runtime from Rust: crates/containers), run synchronously; a failure becomes a CliError
 * naming the runtime's message.
 */
import {childProcess} from '../lazy-modules'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import {runtimeRoot, type Paths} from '../paths'

export {runtimeRoot}

interface RuntimeResult {
  status: number
  stdout: string
  stderr: string
}

function runtimeCall(runtime: string, paths: Paths, args: string[]): RuntimeResult {
  fs.mkdirSync(runtimeRoot(paths), {recursive: true, mode: 0o700})
  const r = childProcess().spawnSync(runtime, ['--root', runtimeRoot(paths), ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  if (r.error) throw new CliError('runtime_failed', `cannot run ${runtime}: ${r.error.message}`)
  return {status: r.status ?? 128 + 9, stdout: r.stdout, stderr: r.stderr}
}

/** The runtime's own message, without its program-name prefix. */
function runtimeMessage(r: RuntimeResult): string {
  return r.stderr.trim().replace(/^tsc-box-runtime: /gm, '') || `the runtime exited with status ${r.status}`
}

/** Whether the runtime still holds state for the container (created by a monitor or `run`). */
function hasRuntimeState(paths: Paths, id: string): boolean {
  return fs.existsSync(path.join(runtimeRoot(paths), id))
}

/** Removes whatever the runtime still holds for the container: processes, cgroup, state, network. */
export function deleteRuntimeState(runtime: string, paths: Paths, id: string): void {
  if (!hasRuntimeState(paths, id)) return
  const r = runtimeCall(runtime, paths, ['delete', '--force', id])
  if (r.status !== 0) throw new CliError('runtime_delete_failed', `removing the runtime state of ${id.slice(0, 12)}: ${runtimeMessage(r)}`)
}
