/**
 * What `stop`, `kill`, `pause` and `unpause` do to one container reference, for the oclif
 * commands and the fast path alike: the store's lifecycle (crates/containers/src/lifecycle.rs)
 * through the binding, the code the runtime's native front door runs in its own process.
 * --json entries: stop {id, name, exitCode}, kill {id, name, signal}, pause/unpause {id, name}.
 */
import type {Context} from './context'
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
