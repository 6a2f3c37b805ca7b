/**
 * pause/unpause: the runtime freezes or thaws the cgroup, and a marker file lets `ps` say
 * "Paused" (crates/containers/src/lifecycle.rs, the native front door's code too).
 */
import {call} from '../image/native'
import type {Paths} from '../paths'
import type {ContainerView} from './state'

export function setPaused(runtime: string, paths: Paths, v: ContainerView, pause: boolean): void {
  call((n) => n.containerSetPaused(paths.dataRoot, paths.runDir, runtime, v.id, pause))
}
