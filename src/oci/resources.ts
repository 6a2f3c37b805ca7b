/**
 * Resource limits for `tsc-box run`: docker's flag names and units, turned into the OCI
 * `linux.resources` and `linux.cgroupsPath` of the bundle. Unit conversion lives here; the
 * rules about what the kernel accepts live in the Rust cgroups crate, which the runtime
 * applies and which this module asks (through the napi binding) before anything is created,
 * so a bad limit is refused with the flag's name and nothing is left behind.
 */
import * as os from 'node:os'
import {flagSpecs} from '../cli/table'
import {CliError} from '../errors'
import {native} from '../native'
import type {LinuxResources, Spec} from './spec'

/** docker's CFS period for --cpus. */
const CPU_PERIOD_US = 100_000

/** run's flags in this help group (src/cli/commands.json) are the resource flags. */
const GROUP = 'Resources'

/** The values of run's resource flags, as given (units are converted below). */
export interface ResourceFlags {
  memory?: string
  'memory-swap'?: string
  'memory-reservation'?: string
  cpus?: string
  'cpu-shares'?: string
  'cpu-quota'?: string
  'cpu-period'?: string
  'cpuset-cpus'?: string
  'cpuset-mems'?: string
  'pids-limit'?: string
  'blkio-weight'?: string
  'cgroup-parent'?: string
}

const resourceFlagNames = Object.entries(flagSpecs('run'))
  .filter(([, f]) => f.helpGroup === GROUP)
  .map(([name]) => name as keyof ResourceFlags)

/** What applyResources needs from the host; injectable so the conversion stays testable. */
export interface ResourceHost {
  /** CPUs this process may use (docker's bound for --cpus). */
  cpuCount: number
  /** The runtime's own rules (Rust, through napi): null when acceptable. */
  check(resources: LinuxResources): {field: string; message: string} | null
  /** Whether the kernel can apply a block IO weight; null when this process cannot tell. */
  blockIoWeight(): boolean | null
  /** Where warnings go (docker prints them on stderr and goes on). */
  warn(message: string): void
}

export const defaultHost: ResourceHost = {
  // Asked only when --cpus is given: run's fast path does no work at import time.
  get cpuCount() {
    return os.availableParallelism()
  },
  check: (r) => native().validateResources(JSON.stringify(r)) ?? null,
  blockIoWeight: () => native().blockIoWeightSupported() ?? null,
  warn: (message) => process.stderr.write(`WARNING: ${message}\n`),
}

function bad(flag: string, value: string, why: string): CliError {
  return new CliError('invalid_resource', `invalid --${flag} ${JSON.stringify(value)}: ${why}`)
}

const UNITS: Record<string, number> = {'': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5}

/** docker's RAMInBytes: a number with an optional binary unit, "32m", "1.5g", "512MiB", "100". */
export function parseBytes(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(?:i?b)?$/i.exec(value.trim())
  if (!m) throw bad(flag, value, 'expected a size such as 512m or 1g (units b, k, m, g, t, p)')
  const n = Math.floor(Number.parseFloat(m[1]) * UNITS[m[2].toLowerCase()])
  if (!Number.isSafeInteger(n)) throw bad(flag, value, 'too large')
  return n
}

function parseInteger(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw bad(flag, value, 'expected an integer')
  const n = Number.parseInt(value, 10)
  if (!Number.isSafeInteger(n)) throw bad(flag, value, 'too large')
  return n
}

/** Sizes that also accept -1 for "unlimited". */
function parseBytesOrUnlimited(flag: string, value: string): number {
  return value.trim() === '-1' ? -1 : parseBytes(flag, value)
}

/** The OCI field the runtime's rules name, back to the flag the user typed. */
const FIELD_FLAGS: Record<string, string> = {
  'linux.resources.memory.limit': 'memory',
  'linux.resources.memory.swap': 'memory-swap',
  'linux.resources.memory.reservation': 'memory-reservation',
  'linux.resources.cpu.shares': 'cpu-shares',
  'linux.resources.cpu.quota': 'cpu-quota',
  'linux.resources.cpu.period': 'cpu-period',
  'linux.resources.cpu.cpus': 'cpuset-cpus',
  'linux.resources.cpu.mems': 'cpuset-mems',
  'linux.resources.pids.limit': 'pids-limit',
  'linux.resources.blockIO.weight': 'blkio-weight',
}

/** Whether any resource flag was given. */
export function hasResourceFlags(f: ResourceFlags): boolean {
  return resourceFlagNames.some((k) => f[k] !== undefined)
}

/**
 * Converts the resource flags into `linux.resources` (and `linux.cgroupsPath` for
 * --cgroup-parent) of `spec`. Throws CliError (exit 125) naming the flag on bad input.
 */
export function applyResources(spec: Spec, f: ResourceFlags, host: ResourceHost = defaultHost): void {
  if (!hasResourceFlags(f)) return
  const r: LinuxResources = {}

  if (f.memory !== undefined || f['memory-swap'] !== undefined || f['memory-reservation'] !== undefined) {
    const mem: NonNullable<LinuxResources['memory']> = {}
    // docker: --memory 0 means no limit.
    if (f.memory !== undefined && parseBytes('memory', f.memory) !== 0) mem.limit = parseBytes('memory', f.memory)
    if (f['memory-reservation'] !== undefined) mem.reservation = parseBytes('memory-reservation', f['memory-reservation'])
    if (f['memory-swap'] !== undefined) {
      if (mem.limit === undefined) throw bad('memory-swap', f['memory-swap'], 'you should always set the memory limit (--memory) when using --memory-swap')
      mem.swap = parseBytesOrUnlimited('memory-swap', f['memory-swap'])
    } else if (mem.limit !== undefined) {
      // docker's default: as much swap as memory.
      mem.swap = mem.limit * 2
    }
    r.memory = mem
  }

  const cpu: NonNullable<LinuxResources['cpu']> = {}
  if (f.cpus !== undefined) {
    if (f['cpu-quota'] !== undefined || f['cpu-period'] !== undefined)
      throw bad('cpus', f.cpus, 'conflicts with --cpu-quota and --cpu-period; use one or the other')
    if (!/^\d*\.?\d+$/.test(f.cpus.trim())) throw bad('cpus', f.cpus, 'expected a decimal number of CPUs such as 0.5')
    const n = Number.parseFloat(f.cpus)
    if (n <= 0 || n > host.cpuCount)
      throw bad('cpus', f.cpus, `range of CPUs is from 0.01 to ${host.cpuCount.toFixed(2)}, as there are only ${host.cpuCount} CPUs available`)
    cpu.quota = Math.round(n * CPU_PERIOD_US)
    cpu.period = CPU_PERIOD_US
    if (cpu.quota < 1000) throw bad('cpus', f.cpus, 'range of CPUs starts at 0.01')
  }
  if (f['cpu-shares'] !== undefined) {
    const s = parseInteger('cpu-shares', f['cpu-shares'])
    if (s < 0) throw bad('cpu-shares', f['cpu-shares'], 'must not be negative')
    if (s > 0) cpu.shares = s
  }
  if (f['cpu-quota'] !== undefined) cpu.quota = parseInteger('cpu-quota', f['cpu-quota'])
  if (f['cpu-period'] !== undefined) {
    const p = parseInteger('cpu-period', f['cpu-period'])
    if (p < 0) throw bad('cpu-period', f['cpu-period'], 'must not be negative')
    cpu.period = p
  }
  if (f['cpuset-cpus'] !== undefined) cpu.cpus = f['cpuset-cpus']
  if (f['cpuset-mems'] !== undefined) cpu.mems = f['cpuset-mems']
  if (Object.keys(cpu).length > 0) r.cpu = cpu

  if (f['pids-limit'] !== undefined) {
    const p = parseInteger('pids-limit', f['pids-limit'])
    if (p < -1) throw bad('pids-limit', f['pids-limit'], 'must be a positive number, or -1 (or 0) for unlimited')
    r.pids = {limit: p <= 0 ? -1 : p}
  }
  if (f['blkio-weight'] !== undefined) {
    const w = parseInteger('blkio-weight', f['blkio-weight'])
    if (w !== 0 && (w < 10 || w > 1000)) throw bad('blkio-weight', f['blkio-weight'], 'range is from 10 to 1000, or 0 to disable')
    // docker's choice on a kernel without the weight file (v1 blkio without BFQ, as on
    // current kernels): warn and run without the weight, rather than refuse the container.
    if (w !== 0 && host.blockIoWeight() === false) host.warn('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.')
    else if (w !== 0) r.blockIO = {weight: w}
  }

  const problem = host.check(r)
  if (problem) {
    const flag = FIELD_FLAGS[problem.field]
    const shown = flag === 'cpu-quota' && f.cpus !== undefined ? 'cpus' : flag
    const value = shown ? (f as Record<string, string | undefined>)[shown] : undefined
    throw new CliError('invalid_resource', shown && value !== undefined ? `invalid --${shown} ${JSON.stringify(value)}: ${problem.message}` : problem.message)
  }

  spec.linux ??= {}
  spec.linux.resources = {...spec.linux.resources, ...r}
  if (f['cgroup-parent'] !== undefined) {
    const parent = f['cgroup-parent'].replace(/\/+$/, '')
    if (parent === '') throw bad('cgroup-parent', f['cgroup-parent'], 'must name a cgroup')
    const id = (spec.linux.cgroupsPath ?? '').split('/').pop()
    if (!id) throw new CliError('internal', 'the spec has no cgroupsPath to re-parent')
    spec.linux.cgroupsPath = `${parent}/${id}`
  }
}
