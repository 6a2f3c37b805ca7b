/**
 * The stages of a Dockerfile: ARGs before the first FROM (the global scope, visible to FROM
 * lines only, and in a stage through a bare `ARG NAME`), the predefined platform ARGs, each
 * FROM's base substituted, stage names (case-insensitive), and which stages a target needs
 * (its base chain and every `COPY --from` or `RUN --mount from=` it reads).
 */
import {type Dockerfile, type Instruction, argDeclarations, flag} from './dockerfile/parse'
import {DockerfileError} from './dockerfile/errors'
import {expandWord, expandWords} from './dockerfile/words'

export interface Stage {
  index: number
  /** Lower-cased, as docker compares them. */
  name?: string
  /** The base after substitution: an image reference, `scratch`, or a stage's name or index. */
  base: string
  /** The FROM's `--platform`, substituted. */
  platform?: string
  from: Instruction
  instructions: Instruction[]
  /** Global ARGs a FROM line used (the cache keys on them). */
  usedArgs: Set<string>
}

export interface Platform {
  os: string
  arch: string
  variant: string
}

function goArch(a: string): string {
  return ({x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64'} as Record<string, string>)[a] ?? a
}

export function hostPlatform(): Platform {
  return {os: 'linux', arch: goArch(process.arch), variant: process.arch === 'arm' ? 'v7' : ''}
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.arch}${p.variant ? `/${p.variant}` : ''}`
}

/** BUILDPLATFORM, TARGETPLATFORM and their parts: tsc-box builds for the host only. */
export function platformArgs(p: Platform): Record<string, string> {
  const s = platformString(p)
  const out: Record<string, string> = {}
  for (const side of ['BUILD', 'TARGET']) {
    out[`${side}PLATFORM`] = s
    out[`${side}OS`] = p.os
    out[`${side}ARCH`] = p.arch
    out[`${side}VARIANT`] = p.variant
  }
  return out
}

/** The proxy ARGs docker predefines: usable without an ARG line, left out of the history. */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']

export interface Plan {
  stages: Stage[]
  /** Global ARGs with their values (build args applied), for a stage's bare `ARG NAME`. */
  globals: Map<string, string | undefined>
}

export function planStages(df: Dockerfile, buildArgs: Map<string, string>, platform: Platform): Plan {
  const globals = new Map<string, string | undefined>()
  const predefined = platformArgs(platform)
  const lookup = (n: string) => (globals.has(n) ? globals.get(n) : predefined[n])
  const stages: Stage[] = []
  let cur: Stage | undefined
  for (const ins of df.instructions) {
    if (ins.keyword === 'FROM') {
      const used = new Set<string>()
      const {words, used: u} = expandWords(ins.args, lookup, df.escape, ins.line)
      for (const n of u) used.add(n)
      let name: string | undefined
      if (words.length === 3 && words[1]!.toLowerCase() === 'as') {
        name = words[2]!.toLowerCase()
        if (!/^[a-z][a-z0-9_.-]*$/.test(name))
          throw new DockerfileError(ins.line, `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`)
        if (stages.some((s) => s.name === name)) throw new DockerfileError(ins.line, `duplicate stage name "${name}"`)
      } else if (words.length !== 1) {
        throw new DockerfileError(ins.line, 'FROM requires either one or three arguments')
      }
      const p = flag(ins, 'platform')
      let platformValue: string | undefined
      if (p !== undefined) {
        const e = expandWord(p, lookup, df.escape, ins.line)
        for (const n of e.used) used.add(n)
        platformValue = e.word
      }
      const base = words[0]!
      if (base === '') throw new DockerfileError(ins.line, 'base name (empty) should not be blank')
      cur = {index: stages.length, name, base, platform: platformValue, from: ins, instructions: [], usedArgs: used}
      stages.push(cur)
      continue
    }
    if (!cur) {
      // Only ARG may come before the first FROM (the parser checked).
      for (const d of argDeclarations(ins, df.escape)) {
        const value = buildArgs.has(d.name) ? buildArgs.get(d.name) : d.value === undefined ? undefined : expandWord(d.value, lookup, df.escape, ins.line).word
        globals.set(d.name, value)
      }
      continue
    }
    cur.instructions.push(ins)
  }
  return {stages, globals}
}

/** The stage a name or index refers to, if any (a later stage cannot be referred to). */
export function stageRef(stages: Stage[], ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase()
  const byName = stages.find((s) => s.name === lower && s.index < before)
  if (byName) return byName
  if (/^\d+$/.test(ref)) {
    const i = Number(ref)
    if (i < before) return stages[i]
  }
  return undefined
}

/** The target stage (by --target, else the last) and, in order, every stage it needs. */
export function neededStages(plan: Plan, target: string | undefined, esc: string): {target: Stage; needed: Stage[]} {
  const {stages} = plan
  let t: Stage | undefined
  if (target !== undefined) {
    t = stages.find((s) => s.name === target.toLowerCase())
    if (!t) throw new DockerfileError(0, `target stage "${target}" could not be found`)
  } else {
    t = stages[stages.length - 1]!
  }
  const need = new Set<number>()
  const visit = (s: Stage) => {
    if (need.has(s.index)) return
    need.add(s.index)
    for (const dep of stageDeps(plan, s, esc)) visit(dep)
  }
  visit(t)
  return {target: t, needed: stages.filter((s) => need.has(s.index))}
}

/** The stages `s` reads: its base, and those its COPY --from and RUN --mount from= name. */
export function stageDeps(plan: Plan, s: Stage, esc: string): Stage[] {
  const {stages} = plan
  const lookup = (n: string) => plan.globals.get(n)
  const deps = new Map<number, Stage>()
  const base = stageRef(stages, s.base, s.index)
  if (base) deps.set(base.index, base)
  for (const ins of s.instructions) {
    const refs: string[] = []
    const from = flag(ins, 'from')
    if (from !== undefined && (ins.keyword === 'COPY' || ins.keyword === 'ADD')) refs.push(from)
    if (ins.keyword === 'RUN') {
      for (const f of ins.flags) {
        if (f.name !== 'mount' || !f.value) continue
        const m = /(?:^|,)from=([^,]+)/.exec(f.value)
        if (m) refs.push(m[1]!)
      }
    }
    for (const r of refs) {
      const dep = stageRef(stages, expandWord(r, lookup, esc, ins.line).word, s.index)
      if (dep) deps.set(dep.index, dep)
    }
  }
  return [...deps.values()]
}
