/** The JSON shape of `ps --json` (the stable API); ps's and inspect's output is rendered in Rust (crates/containers/src/ps.rs, inspect.rs). */
import type {ContainerView} from './state'

/** One `ps --json` entry (rendered by crates/containers/src/ps.rs). */
export interface PsEntry {
  id: string
  name: string
  command: string[]
  created: string
  state: ContainerView['state']
  status: string
  exitCode: number | null
  pid: number
  restartCount: number
}
