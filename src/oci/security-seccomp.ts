/**
 * docker-format seccomp profiles (`--security-opt seccomp=FILE` and our default) and their
 * resolution into the OCI `linux.seccomp` the runtime compiles. The conditional parts of the
 * docker format (`includes`/`excludes` on capabilities, architectures and kernel versions,
 * `archMap`) only exist here; everything about what a rule MEANS (actions, operators, errno
 * ranges, syscall names) is validated once, by the runtime's compiler, which names the field.
 */
import {CliError} from '../errors'
import type {LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSyscall} from './spec'

export interface SeccompFilterCondition {
  caps?: string[]
  /** docker's (Go) architecture names: amd64, 386, x32, arm64, arm... */
  arches?: string[]
  /** e.g. "4.8": the rule applies from that kernel on. */
  minKernel?: string
}

export interface DockerSyscall {
  name?: string
  names?: string[]
  action: LinuxSeccompAction
  errnoRet?: number
  args?: LinuxSeccompArg[] | null
  includes?: SeccompFilterCondition
  excludes?: SeccompFilterCondition
  comment?: string
}

export interface DockerSeccompProfile {
  defaultAction: LinuxSeccompAction
  defaultErrnoRet?: number
  architectures?: string[]
  archMap?: Array<{architecture: string; subArchitectures?: string[]}>
  flags?: string[]
  listenerPath?: string
  listenerMetadata?: string
  syscalls?: DockerSyscall[]
}

/** What the resolution depends on: the container's bounding set and the host. */
export interface SeccompContext {
  caps: readonly string[]
  /** Node's process.arch: x64 or arm64. */
  arch: string
  /** os.release(), e.g. "6.18.0-1-amd64". */
  kernel: string
}

const NATIVE: Record<string, {scmp: string; goarch: string}> = {
  x64: {scmp: 'SCMP_ARCH_X86_64', goarch: 'amd64'},
  arm64: {scmp: 'SCMP_ARCH_AARCH64', goarch: 'arm64'},
  ia32: {scmp: 'SCMP_ARCH_X86', goarch: '386'},
  arm: {scmp: 'SCMP_ARCH_ARM', goarch: 'arm'},
}

function bad(source: string, field: string, problem: string): CliError {
  return new CliError('invalid_seccomp_profile', `seccomp profile ${source}: ${field} ${problem}`)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function stringList(v: unknown, source: string, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(source, field, 'must be a list of strings')
  return v as string[]
}

function condition(v: unknown, source: string, field: string): SeccompFilterCondition | undefined {
  if (v === undefined || v === null) return undefined
  if (!isObject(v)) throw bad(source, field, 'must be an object')
  const minKernel = v.minKernel
  if (minKernel !== undefined && (typeof minKernel !== 'string' || !/^\d+\.\d+(\.\d+)?$/.test(minKernel)))
    throw bad(source, `${field}.minKernel`, 'must be a kernel version like "4.8"')
  return {
    caps: stringList(v.caps, source, `${field}.caps`),
    arches: stringList(v.arches, source, `${field}.arches`),
    minKernel: minKernel as string | undefined,
  }
}

/**
 * Checks the SHAPE of a docker-format profile read from `source` (a file name, for messages):
 * what the JSON types must be for us to resolve it. Values are checked by the runtime.
 */
export function parseDockerProfile(text: string, source: string): DockerSeccompProfile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw bad(source, 'content', `is not valid JSON (${(e as Error).message})`)
  }
  if (!isObject(json)) throw bad(source, 'content', 'must be a JSON object')
  if (typeof json.defaultAction !== 'string') throw bad(source, 'defaultAction', 'must be a string')
  const archMap = json.archMap
  if (archMap !== undefined && archMap !== null) {
    if (!Array.isArray(archMap)) throw bad(source, 'archMap', 'must be a list')
    archMap.forEach((m, i) => {
      if (!isObject(m) || typeof m.architecture !== 'string') throw bad(source, `archMap[${i}].architecture`, 'must be a string')
      stringList(m.subArchitectures, source, `archMap[${i}].subArchitectures`)
    })
  }
  const syscalls = json.syscalls
  if (syscalls !== undefined && syscalls !== null && !Array.isArray(syscalls)) throw bad(source, 'syscalls', 'must be a list')
  const out: DockerSeccompProfile = {
    ...(json as unknown as DockerSeccompProfile),
    architectures: stringList(json.architectures, source, 'architectures'),
    flags: stringList(json.flags, source, 'flags'),
    syscalls: ((syscalls ?? []) as unknown[]).map((s, i) => {
      const at = `syscalls[${i}]`
      if (!isObject(s)) throw bad(source, at, 'must be an object')
      if (typeof s.action !== 'string') throw bad(source, `${at}.action`, 'must be a string')
      if (s.name !== undefined && typeof s.name !== 'string') throw bad(source, `${at}.name`, 'must be a string')
      const names = stringList(s.names, source, `${at}.names`)
      if (s.name === undefined && (names === undefined || names.length === 0)) throw bad(source, `${at}.names`, 'must name at least one syscall')
      if (s.args !== undefined && s.args !== null && !Array.isArray(s.args)) throw bad(source, `${at}.args`, 'must be a list')
      return {
        ...(s as unknown as DockerSyscall),
        names,
        includes: condition(s.includes, source, `${at}.includes`),
        excludes: condition(s.excludes, source, `${at}.excludes`),
      }
    }),
  }
  return out
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const have = kernel.split(/[.-]/).map((x) => Number.parseInt(x, 10))
  const want = min.split('.').map((x) => Number.parseInt(x, 10))
  for (let i = 0; i < want.length; i++) {
    const h = Number.isFinite(have[i]) ? have[i] : 0
    if (h !== want[i]) return h > want[i]
  }
  return true
}

function applies(s: DockerSyscall, ctx: SeccompContext): boolean {
  const goarch = NATIVE[ctx.arch]?.goarch ?? ctx.arch
  const inc = s.includes
  if (inc) {
    if (inc.caps && !inc.caps.every((c) => ctx.caps.includes(c))) return false
    if (inc.arches && !inc.arches.includes(goarch)) return false
    if (inc.minKernel && !kernelAtLeast(ctx.kernel, inc.minKernel)) return false
  }
  const exc = s.excludes
  if (exc) {
    if (exc.caps?.some((c) => ctx.caps.includes(c))) return false
    if (exc.arches?.includes(goarch)) return false
    if (exc.minKernel && kernelAtLeast(ctx.kernel, exc.minKernel)) return false
  }
  return true
}

function architectures(p: DockerSeccompProfile, ctx: SeccompContext): string[] | undefined {
  if (p.archMap && p.archMap.length > 0) {
    const native = NATIVE[ctx.arch]?.scmp
    const entry = p.archMap.find((m) => m.architecture === native)
    // docker: a profile whose archMap lacks the host leaves the list empty (native only).
    return entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : undefined
  }
  return p.architectures && p.architectures.length > 0 ? [...p.architectures] : undefined
}

/** The OCI profile for a container with bounding set `ctx.caps` on this host. */
export function resolveProfile(p: DockerSeccompProfile, ctx: SeccompContext): LinuxSeccomp {
  const out: LinuxSeccomp = {defaultAction: p.defaultAction}
  if (p.defaultErrnoRet !== undefined) out.defaultErrnoRet = p.defaultErrnoRet
  const arches = architectures(p, ctx)
  if (arches) out.architectures = arches
  if (p.flags && p.flags.length > 0) out.flags = [...p.flags]
  if (p.listenerPath !== undefined) out.listenerPath = p.listenerPath
  if (p.listenerMetadata !== undefined) out.listenerMetadata = p.listenerMetadata
  const syscalls: LinuxSyscall[] = []
  for (const s of p.syscalls ?? []) {
    if (!applies(s, ctx)) continue
    const names = s.names && s.names.length > 0 ? [...s.names] : [s.name as string]
    const rule: LinuxSyscall = {names, action: s.action}
    if (s.errnoRet !== undefined) rule.errnoRet = s.errnoRet
    if (s.args && s.args.length > 0) rule.args = s.args.map((a) => ({...a}))
    syscalls.push(rule)
  }
  out.syscalls = syscalls
  return out
}
