/**
 * `top`: the processes of a running container (its cgroup's, read from /proc) and docker's
 * table of them, both crates/containers/src/top.rs through the binding (the native front door
 * prints the same).
 */
import {call} from '../image/native'
import type {Paths} from '../paths'

export interface TopEntry {
  pid: number
  ppid: number
  uid: number
  /** CPU time used, seconds. */
  time: number
  command: string
}

/** The processes of the container `ref` names, and the table `top` prints (no final newline). */
export function topOf(paths: Paths, ref: string): {entries: TopEntry[]; text: string} {
  const a = call((n) => n.containerTop(paths.dataRoot, paths.runDir, ref))
  return {entries: JSON.parse(a.json) as TopEntry[], text: a.text}
}
