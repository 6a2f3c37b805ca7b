/**
 * What `stop`, `kill`, `pause` and `unpause` do to one container reference, for the oclif
 * commands and the fast path alike: the store's lifecycle (crates/containers/src/lifecycle.rs)
 * through the binding, the code the runtime's native front door runs in its own process.
 * --json entries: stop {id, name, exitCode}, kill {id, name, signal}, pause/unpause {id, name}.
 */
import {defineAction} from '../cli/action'
import {type Context, context, eachRef} from './context'
import {killContainer, stopContainer} from './ops'
import {setPaused} from './pause'
import {resolveContainer} from './resolve'

export type LifecycleVerb = 'stop' | 'kill' | 'pause' | 'unpause'

export interface LifecycleFlags {
  /** stop's -t: seconds before SIGKILL. */
  time?: number
  /** kill's -s: a signal name or number. */
  signal?: string
}

export interface LifecycleDone {
  id: string
  name: string
  exitCode?: number | null
  signal?: string
}

export function lifecycleOp(verb: LifecycleVerb, flags: LifecycleFlags, {paths, runtime}: Context): (ref: string) => Promise<LifecycleDone> {
  return async (ref) => {
    const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
    const done = {id: v.id, name: v.name}
    switch (verb) {
      case 'stop':
        return {...done, exitCode: await stopContainer(runtime, paths, v, flags.time ?? 10)}
      case 'kill': {
        const signal = flags.signal ?? 'KILL'
        killContainer(runtime, paths, v, signal)
        return {...done, signal}
      }
      default:
        setPaused(runtime, paths, v, verb === 'pause')
        return done
    }
  }
}

/**
 * The action of `stop`, `kill`, `pause` or `unpause` (src/actions/): each container reference
 * in turn (eachRef), its reference printed once done.
 */
export function lifecycleAction(verb: LifecycleVerb) {
  return defineAction({
    args: {container: {required: true, description: 'container name, id or id prefix'}},
    strict: false,
    run: (cmd): Promise<LifecycleDone[]> =>
      eachRef(cmd.argv, lifecycleOp(verb, cmd.flags as LifecycleFlags, context(cmd.flags.root as string | undefined)), (ref) => cmd.json || cmd.log(ref)),
  })
}
