/**
 * A container as the lifecycle commands see it: the CLI's record joined with the monitor's
 * status, judged against the kernel (is the monitor still that process?), read by
 * crates/containers. Reading never writes: `ps` reports the truth even while a monitor is
 * being killed, and the commands that change things (`rm`, `start`, `prune`) clean up what
 * a dead monitor left.
 */
import * as path from 'node:path'
import {containers} from '../container/store'

/** `dead`: never completely created (its run/create was killed); it can only be removed. */
export type State = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead'

export interface ContainerView {
  id: string
  name: string
  created: string
  command: string[]
  rootfs: string
  state: State
  /** The init's host pid while running, else 0. */
  pid: number
  exitCode: number | null
  oomKilled: boolean
  startedAt: string | null
  finishedAt: string | null
  restartCount: number
  restartPolicy: string
  /** Detached (a monitor supervises it) or a foreground `run`. */
  detached: boolean
  dir: string
  /** The live process still creating it (state `created` meanwhile), else null. */
  creatorPid: number | null
}

/**
 * Every container with a readable record, newest first (crates/containers/src/view.rs holds
 * the truth rules). `runtimeRoot` lets a foreground run's record be checked against the
 * runtime: a `run` whose tsc-box was killed says "running" forever, but its runtime state
 * goes when the container ends.
 */
export function listContainers(dataRoot: string, runtimeRoot: string): ContainerView[] {
  // The store finds the runtime's state under its run directory (runtimeRoot = runDir/runtime).
  return containers({dataRoot, runDir: path.dirname(runtimeRoot)}, (s) => s.list()) as ContainerView[]
}

export function viewById(dataRoot: string, id: string, runDir?: string): ContainerView | undefined {
  return (containers({dataRoot, runDir: runDir ?? ''}, (s) => s.byId(id)) as ContainerView | null) ?? undefined
}

export function isActive(v: ContainerView): boolean {
  return v.state === 'running' || v.state === 'paused' || v.state === 'restarting'
}
