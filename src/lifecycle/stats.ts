/**
 * Resource usage of running containers from their cgroups (the napi binding reads them):
 * CPU % over an interval (100% = one CPU busy, like docker), memory use and limit, pids.
 */
import * as os from 'node:os'
import * as path from 'node:path'
import {native} from '../native'
import {readJson} from './files'
import type {ContainerView} from './state'

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

function cgroupsPathOf(v: ContainerView): string {
  const spec = readJson<{linux?: {cgroupsPath?: string}}>(path.join(v.dir, 'config.json'))
  return spec?.linux?.cgroupsPath ?? `/tsc-box/${v.id}`
}

/** Two readings `intervalMs` apart for each container (taken together, not one by one). */
export async function sample(views: ContainerView[], intervalMs: number): Promise<StatsEntry[]> {
  const n = native()
  const read = () => Promise.all(views.map((v) => n.cgroupStats(cgroupsPathOf(v)).catch(() => null)))
  const t0 = process.hrtime.bigint()
  const first = await read()
  await new Promise((r) => setTimeout(r, intervalMs))
  const second = await read()
  const wallNs = Number(process.hrtime.bigint() - t0)
  const out: StatsEntry[] = []
  views.forEach((v, i) => {
    const a = first[i]
    const b = second[i]
    if (!b) return // stopped meanwhile
    const cpu = a ? Math.max(0, b.cpuUsageNs - a.cpuUsageNs) : 0
    const limit = b.memoryLimit ?? os.totalmem()
    out.push({
      id: v.id,
      name: v.name,
      cpuPercent: wallNs > 0 ? Math.round((cpu / wallNs) * 10000) / 100 : 0,
      memoryUsage: b.memoryUsage,
      memoryLimit: limit,
      memoryPercent: limit > 0 ? Math.round((b.memoryUsage / limit) * 10000) / 100 : 0,
      pids: b.pidsCurrent,
    })
  })
  return out
}
