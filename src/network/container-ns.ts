/**
 * `--network container:REF` and `network connect/disconnect REF`: the container a reference
 * means, found by the store's one resolution (crates/containers: name, id or unique id
 * prefix), and its init's pid while it runs.
 */
import type {ContainerView} from '../lifecycle/state'
import {containers} from '../container/store'
import {CliError, EXIT_ENGINE} from '../errors'

/** The container `ref` (a name, id or unique id prefix) means. */
export function findContainer(paths: {dataRoot: string; runDir: string}, ref: string): ContainerView {
  try {
    return containers(paths, (s) => s.resolve(ref)) as ContainerView
  } catch (e) {
    // The network commands have always said container_not_found (exit 125) here.
    if (e instanceof CliError && e.code === 'no_such_container') throw new CliError('container_not_found', `no such container: ${ref}`)
    throw e
  }
}

/** The init pid of a running container. */
export function runningPid(c: ContainerView, ref: string): number {
  // 125, not the code's 1 (kill, exec): connect/disconnect have always failed as the engine here.
  if (c.state !== 'running' || c.pid <= 0) throw new CliError('container_not_running', `container ${ref} is not running`, EXIT_ENGINE)
  return c.pid
}
