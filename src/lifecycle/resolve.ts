/**
 * Finds a container by what the user typed: its full id, its name, or any unique prefix of
 * its id (docker's order; crates/containers/src/resolve.rs). An ambiguous prefix is an error
 * (ambiguous_id), never a guess; a missing one is no_such_container, both with docker's 1.
 */
import {store} from '../container/store'
import type {ContainerView} from './state'

export function resolveContainer(dataRoot: string, ref: string): ContainerView {
  return JSON.parse(store((n) => n.containerResolve(dataRoot, ref))) as ContainerView
}
