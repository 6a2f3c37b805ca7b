/**
 * `stats`: resource usage of running containers from their cgroups, and its output, both
 * crates/containers/src/stats.rs through the binding (the native front door prints the same):
 * CPU % (100% = one CPU busy, like docker), memory use and limit, pids.
 */
import {callAsync} from '../image/native'
import type {Paths} from '../paths'

export interface StatsEntry {
  id: string
  name: string
  cpuPercent: number
  memoryUsage: number
  /** The cgroup's limit, or the host's memory when unlimited. */
  memoryLimit: number
  memoryPercent: number
  pids: number
}

export interface StatsReading {
  entries: StatsEntry[]
  /** The table, or the `--format` output (no final newline). */
  text: string
}

/**
 * One reading of the containers `refs` names (every running one without): two readings
 * `intervalMs` apart (each of the stream's), else CPU % since each started (`--no-stream`,
 * `--json`, the SDK: an answer at once). A bad `format` fails before anything is read.
 */
export async function statsReading(paths: Paths, refs: string[], format?: string, intervalMs?: number): Promise<StatsReading> {
  const a = await callAsync((n) => n.containerStats(paths.dataRoot, paths.runDir, refs, format, intervalMs))
  return {entries: JSON.parse(a.json) as StatsEntry[], text: a.text}
}
