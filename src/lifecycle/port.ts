/** `tsc-box port` from Node: the store's answer (crates/containers/src/port.rs), as the native front door prints it. */
import {store} from '../container/store'
import type {Paths} from '../paths'

export interface PortBinding {
  privatePort: number
  proto: string
  hostIp: string
  hostPort: number
}

/** What `port` prints (empty: nothing) and, for --json, the bindings. */
export function portCommand(ref: string, privatePort: string | undefined, paths: Paths): {text: string; bindings: PortBinding[]} {
  const a = store((n) => n.portAnswer(paths.dataRoot, paths.runDir, ref, privatePort))
  return {text: a.text, bindings: JSON.parse(a.json) as PortBinding[]}
}
