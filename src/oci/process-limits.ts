/**
 * docker's `--ulimit NAME=SOFT[:HARD]` (process.rlimits, set by the runtime in the container's
 * init before it runs the command) and `--shm-size` (the size of /dev/shm's tmpfs, 64m by
 * default as docker's).
 */
import {CliError} from '../errors'
import {parseBytes} from './resources'
import type {Rlimit, RlimitType, Spec} from './spec'

export interface ProcessLimitFlags {
  ulimit?: string[]
  'shm-size'?: string
}

/** docker's names (those of `ulimit`, without RLIMIT_), each to its OCI type. */
const NAMES: Record<string, RlimitType> = {
  as: 'RLIMIT_AS',
  core: 'RLIMIT_CORE',
  cpu: 'RLIMIT_CPU',
  data: 'RLIMIT_DATA',
  fsize: 'RLIMIT_FSIZE',
  locks: 'RLIMIT_LOCKS',
  memlock: 'RLIMIT_MEMLOCK',
  msgqueue: 'RLIMIT_MSGQUEUE',
  nice: 'RLIMIT_NICE',
  nofile: 'RLIMIT_NOFILE',
  nproc: 'RLIMIT_NPROC',
  rss: 'RLIMIT_RSS',
  rtprio: 'RLIMIT_RTPRIO',
  rttime: 'RLIMIT_RTTIME',
  sigpending: 'RLIMIT_SIGPENDING',
  stack: 'RLIMIT_STACK',
}

/** RLIM_INFINITY as the OCI spec writes it (a uint64). */
const UNLIMITED = 2 ** 64 - 1

function bad(value: string, why: string): CliError {
  return new CliError('invalid_flag', `invalid --ulimit ${JSON.stringify(value)}: ${why}`)
}

function limitValue(value: string, part: string): number {
  if (part === 'unlimited' || part === '-1') return UNLIMITED
  if (!/^\d+$/.test(part)) throw bad(value, `${JSON.stringify(part)} is not a number`)
  const n = Number(part)
  if (!Number.isSafeInteger(n)) throw bad(value, `${part} is too large`)
  return n
}

/** `nofile=1024:2048`, `core=-1`, `nproc=512`: docker's syntax and its errors. */
export function parseUlimit(value: string): Rlimit {
  const eq = value.indexOf('=')
  if (eq < 0) throw bad(value, 'expected NAME=SOFT[:HARD]')
  const name = value.slice(0, eq).toLowerCase()
  const type = NAMES[name]
  if (!type) throw bad(value, `unknown limit ${JSON.stringify(name)} (${Object.keys(NAMES).join(', ')})`)
  const [softText, hardText, extra] = value.slice(eq + 1).split(':')
  if (extra !== undefined || softText === undefined || softText === '') throw bad(value, 'expected NAME=SOFT[:HARD]')
  const soft = limitValue(value, softText)
  const hard = hardText === undefined ? soft : limitValue(value, hardText)
  if (soft > hard) throw bad(value, `the soft limit ${softText} is above the hard limit ${hardText}`)
  return {type, soft, hard}
}

/** `--shm-size`: docker's byte sizes, more than 0. */
export function parseShmSize(value: string): number {
  const bytes = parseBytes('shm-size', value)
  if (bytes <= 0) throw new CliError('invalid_resource', `invalid --shm-size ${JSON.stringify(value)}: must be greater than 0`)
  return bytes
}

export function applyProcessLimits(spec: Spec, f: ProcessLimitFlags): void {
  if (spec.process && f.ulimit && f.ulimit.length > 0) {
    // The last one of a name wins, as docker's map of them.
    const byType = new Map<RlimitType, Rlimit>()
    for (const r of [...(spec.process.rlimits ?? []), ...f.ulimit.map(parseUlimit)]) byType.set(r.type, r)
    spec.process.rlimits = [...byType.values()]
  }
  if (f['shm-size'] !== undefined) {
    const bytes = parseShmSize(f['shm-size'])
    const shm = spec.mounts?.find((m) => m.destination === '/dev/shm')
    if (shm) shm.options = [...(shm.options ?? []).filter((o) => !o.startsWith('size=')), `size=${Math.ceil(bytes / 1024)}k`]
  }
}
