/**
 * Finds a container by what the user typed: its full id, its name, or any unique prefix of
 * its id (docker's order; crates/containers/src/resolve.rs). An ambiguous prefix is an error
 * (ambiguous_id), never a guess; a missing one is no_such_container, both with docker's 1.
 */
import {containers} from '../container/store'
import type {ContainerView} from './state'

/**
 * `runDir` lets a foreground run's record be checked against the runtime's state (a killed
 * `run` leaves it "running" after the container ended).
 */
export function resolveContainer(dataRoot: string, ref: string, runDir?: string): ContainerView {
  return containers({dataRoot, runDir: runDir ?? ''}, (s) => s.resolve(ref)) as ContainerView
}
