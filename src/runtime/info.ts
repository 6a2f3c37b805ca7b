/**
 * `info`: what this host offers containers and where tsc-box keeps its data, probed and
 * rendered by crates/containers/src/info.rs through the binding (the native front door prints
 * the same).
 */
import {native} from '../native'
import type {Paths} from '../paths'
import {runtimePath} from './locate'

export interface InfoResult {
  kernel: {release: string; version: string; machine: string}
  cgroup: {mode: string | null; v1Controllers: string[]; unifiedMount: string | null; unifiedControllers: string[]; error: string | null}
  namespaces: Record<string, boolean>
  userNamespaces: {supported: boolean; maxUserNamespaces: number | null; unprivilegedClone: boolean | null}
  overlayfs: boolean
  dataRoot: string
  runDir: string
  runtime: {path: string; version: string | null; error: string | null}
}

/** The `--json` document and the text `info` prints (no final newline). */
export function hostInfo(paths: Paths): {result: InfoResult; text: string} {
  const a = native().hostInfo(runtimePath(), paths.dataRoot, paths.runDir)
  return {result: JSON.parse(a.json) as InfoResult, text: a.text}
}
