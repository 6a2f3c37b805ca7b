// Shared by the lifecycle tests: async CLI calls, polling, and what a detached container may
// leave behind (runtime state under the run directory, monitors, cgroups, mounts).
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BIN, tsc, type Result } from './helpers/cli'
import { cgroupsNamed, mountsUnder } from './helpers/leaks'

export function tscAsync(root: string, args: string[], timeout = 120_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, TSC_BOX_ROOT: root }, encoding: 'utf8', timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals }) | null
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr })
    })
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function until<T>(what: string, f: () => T | undefined | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = f()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

export interface PsEntry {
  id: string
  name: string
  state: string
  status: string
  exitCode: number | null
  pid: number
  restartCount: number
}

export function ps(root: string, all = true): PsEntry[] {
  const r = tsc(root, ['ps', ...(all ? ['-a'] : []), '--json'])
  if (r.code !== 0) throw new Error(`ps failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as PsEntry[]
}

export function stateOf(root: string, ref: string): PsEntry | undefined {
  return ps(root).find((e) => e.id === ref || e.name === ref || e.id.startsWith(ref))
}

/** The run directory tsc-box derives from a data root (src/paths.ts), for leak checks. */
export function runtimeStateDirs(root: string): string[] {
  const { resolvePaths, currentPathEnv } = require('../src/paths') as typeof import('../src/paths')
  const dir = join(resolvePaths(root, currentPathEnv()).runDir, 'runtime')
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((e) => e !== 'seccomp')
}

/** Processes whose command line mentions `needle` (a container id): monitors, inits. */
export function processesNamed(needle: string): number[] {
  const out: number[] = []
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) out.push(Number(p))
    } catch {
      // exited
    }
  }
  return out
}

/** Nothing of the containers `ids` is left: state, processes, cgroups, mounts. */
export function leftovers(root: string, ids: string[]): string[] {
  const left: string[] = []
  for (const s of runtimeStateDirs(root)) left.push(`runtime state ${s}`)
  for (const id of ids) {
    for (const p of processesNamed(id)) left.push(`process ${p} of ${id.slice(0, 12)}`)
    for (const c of cgroupsNamed(id)) left.push(`cgroup ${c}`)
  }
  for (const m of mountsUnder(root)) left.push(`mount ${m}`)
  const containers = join(root, 'containers')
  if (existsSync(containers)) for (const c of readdirSync(containers)) left.push(`container dir ${c}`)
  return left
}
