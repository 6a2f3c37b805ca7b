// A cgroup parent made by a test before tsc-box runs, in every hierarchy the runtime uses, to
// check that a parent tsc-box did not make is left in place (empty of its containers).
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ExecutionContext } from 'ava'

/** `name` made in each mounted v1 hierarchy and the unified one, or in the v2 root; removed at teardown. */
export function premadeParent(t: ExecutionContext, name: string): string[] {
  const base = '/sys/fs/cgroup'
  const v2 = existsSync(join(base, 'cgroup.controllers'))
  const roots = v2
    ? [base]
    : readdirSync(base)
        .map((d) => join(base, d))
        .filter((d) => !lstatSync(d).isSymbolicLink() && existsSync(join(d, 'cgroup.procs')))
  const made = roots.map((r) => join(r, name))
  for (const d of made) {
    mkdirSync(d)
    // A new v1 cpuset cgroup has no CPUs until given some (the runtime does this for the
    // levels it makes); on v2 an empty cpuset.cpus means the parent's.
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (!v2 && existsSync(join(d, f))) writeFileSync(join(d, f), readFileSync(join(d, '..', f), 'utf8').trim())
    }
  }
  t.teardown(() => {
    for (const d of made) if (existsSync(d)) rmdirSync(d)
  })
  return made
}

/** The names of the child cgroups of `dir`. */
export function childCgroups(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
}
