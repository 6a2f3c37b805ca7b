/**
 * docker's mount flags, parsed as docker parses them (no filesystem access here):
 * `-v [SRC:]DST[:OPTS]`, `--mount type=bind|volume|tmpfs,...` (a CSV line of KEY[=VALUE]),
 * `--tmpfs PATH[:OPTS]`. A `-v` source starting with `/` is a host path, one starting with
 * `.` a host path relative to the working directory (docker 23+), anything else a volume
 * name; no source makes an anonymous volume.
 */
import * as path from 'node:path'
import {CliError} from '../errors'
import {parseBytes} from '../oci/resources'

export type MountKind = 'bind' | 'volume' | 'tmpfs'

/** One mount as the user asked for it. */
export interface MountRequest {
  type: MountKind
  /** bind: an absolute host path; volume: its name ('' for a new anonymous one); tmpfs: ''. */
  source: string
  destination: string
  readonly: boolean
  /** `-v`'s option text as docker shows it in Mounts' Mode ('' for --mount and --tmpfs). */
  mode: string
  /** A bind's propagation (rprivate unless asked). */
  propagation: string
  /** volume-nocopy / `-v ...:nocopy`: no copy-up of the image's content. */
  nocopy: boolean
  /** tmpfs: its mount options (size=, mode=, and flags), docker's defaults merged. */
  tmpfs: string[]
  /** `-v` makes a missing bind source; `--mount` refuses it. */
  createSource: boolean
  /** Labels of a volume `--mount` creates (volume-label=). */
  labels: Record<string, string>
}

const PROPAGATIONS = ['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate']
/** What -v's last field takes (docker's ValidMountMode on Linux). */
const MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', 'consistent', 'cached', 'delegated', ...PROPAGATIONS])

function clean(p: string): string {
  const n = path.posix.normalize(p)
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n
}

function checkDestination(dst: string, shown: string, code: 'invalid_volume' | 'invalid_mount'): string {
  if (dst === '') throw new CliError(code, `invalid ${shown}: the destination is empty`)
  if (!dst.startsWith('/')) throw new CliError(code, `invalid mount config: invalid mount path: '${dst}' mount path must be absolute`)
  const d = clean(dst)
  if (d === '/') throw new CliError(code, "invalid specification: destination can't be '/'")
  return d
}

function validModes(text: string): boolean {
  return text.split(',').every((m) => MODES.has(m))
}

/** A source that is a volume name must be one docker's local driver takes. */
export function checkVolumeName(name: string, code: 'invalid_volume' | 'invalid_mount' = 'invalid_volume'): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name))
    throw new CliError(
      code,
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    )
}

function base(type: MountKind, destination: string): MountRequest {
  return {type, source: '', destination, readonly: false, mode: '', propagation: '', nocopy: false, tmpfs: [], createSource: false, labels: {}}
}

/** `-v [SRC:]DST[:OPTS]`. `cwd` makes a `./rel` source absolute. */
export function parseVolumeFlag(spec: string, cwd: string): MountRequest {
  const bad = () => new CliError('invalid_volume', `invalid volume specification: '${spec}'`)
  const parts = spec.split(':')
  let src = ''
  let dst: string
  let opts = ''
  if (parts.length === 1) dst = parts[0]
  else if (parts.length === 2 && !parts[1].startsWith('/') && validModes(parts[1])) [dst, opts] = parts
  else if (parts.length === 2) [src, dst] = parts
  else if (parts.length === 3) [src, dst, opts] = parts
  else throw bad()
  if (parts.some((p) => p === '')) throw bad()
  if (opts !== '' && !validModes(opts)) throw new CliError('invalid_volume', `invalid mode: ${opts}`)
  const modes = opts === '' ? [] : opts.split(',')
  const destination = checkDestination(dst, `volume specification '${spec}'`, 'invalid_volume')
  const isPath = src.startsWith('/') || src.startsWith('.')
  const m = base(src === '' || !isPath ? 'volume' : 'bind', destination)
  if (m.type === 'bind') {
    m.source = clean(path.resolve(cwd, src))
    m.createSource = true
    m.propagation = modes.find((x) => PROPAGATIONS.includes(x)) ?? 'rprivate'
  } else {
    if (src !== '') checkVolumeName(src)
    m.source = src
    if (modes.some((x) => PROPAGATIONS.includes(x))) throw new CliError('invalid_volume', `invalid mode: ${opts} (propagation is for binds)`)
  }
  m.readonly = modes.includes('ro')
  m.nocopy = modes.includes('nocopy')
  // docker shows the option text as given, and "z" for a volume given none.
  m.mode = opts !== '' ? opts : m.type === 'volume' ? 'z' : ''
  return m
}

/** docker's CSV reading of --mount (quotes allowed around a field). */
function csvFields(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (c === '"') quoted = false
      else cur += c
    } else if (c === '"' && cur === '') quoted = true
    else if (c === ',') {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  if (quoted) throw new CliError('invalid_mount', `invalid argument "${line}" for "--mount" flag: extraneous or missing " in quoted-field`)
  out.push(cur)
  return out
}

function bool(spec: string, key: string, value: string | undefined): boolean {
  if (value === undefined) return true
  const v = value.toLowerCase()
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw new CliError('invalid_mount', `invalid argument "${spec}" for "--mount" flag: invalid value for ${key}: ${value}`)
}

const BOOL_KEYS = new Set(['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive'])

/** `--mount type=...,source=...,target=...[,readonly][,...]`, docker's keys and errors. */
export function parseMountFlag(spec: string, cwd: string): MountRequest {
  const fail = (why: string) => new CliError('invalid_mount', `invalid argument "${spec}" for "--mount" flag: ${why}`)
  let type: MountKind = 'volume'
  let source = ''
  let target = ''
  let readonly = false
  let propagation = ''
  let nocopy = false
  let size: string | undefined
  let mode: string | undefined
  const labels: Record<string, string> = {}
  const seen: string[] = []
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=')
    const key = (eq === -1 ? field : field.slice(0, eq)).toLowerCase()
    const value = eq === -1 ? undefined : field.slice(eq + 1)
    if (value === undefined && !BOOL_KEYS.has(key)) throw fail(`invalid field '${field}' must be a key=value pair`)
    seen.push(key)
    switch (key) {
      case 'type':
        if (value !== 'bind' && value !== 'volume' && value !== 'tmpfs') throw fail(`invalid mount type "${value}": tsc-box mounts bind, volume and tmpfs`)
        type = value
        break
      case 'source':
      case 'src':
        source = value ?? ''
        break
      case 'target':
      case 'dst':
      case 'destination':
        target = value ?? ''
        break
      case 'readonly':
      case 'ro':
        readonly = bool(spec, key, value)
        break
      case 'bind-propagation':
        if (!PROPAGATIONS.includes(value ?? '')) throw fail(`invalid bind propagation "${value}"`)
        propagation = value ?? ''
        break
      case 'bind-nonrecursive':
        if (bool(spec, key, value)) throw fail('bind-nonrecursive is not supported by tsc-box (binds are recursive)')
        break
      case 'volume-nocopy':
        nocopy = bool(spec, key, value)
        break
      case 'volume-driver':
        if (value !== 'local') throw fail(`volume driver "${value}" is not supported: tsc-box has the local driver only`)
        break
      case 'volume-label': {
        const [k, ...v] = (value ?? '').split('=')
        labels[k] = v.join('=')
        break
      }
      case 'tmpfs-size':
        size = value
        break
      case 'tmpfs-mode':
        mode = value
        break
      case 'consistency':
        break
      default:
        throw fail(`unexpected key '${key}' in '${field}'`)
    }
  }
  if (target === '') throw fail('target is required')
  const cfg = (why: string) => new CliError('invalid_mount', `invalid mount config for type "${type}": ${why}`)
  const mixed = (prefix: string) => seen.some((k) => k.startsWith(prefix))
  if (type !== 'volume' && (mixed('volume-') || nocopy)) throw cfg(`cannot mix 'volume-*' options with mount type '${type}'`)
  if (type !== 'bind' && mixed('bind-')) throw cfg(`cannot mix 'bind-*' options with mount type '${type}'`)
  if (type !== 'tmpfs' && mixed('tmpfs-')) throw cfg(`cannot mix 'tmpfs-*' options with mount type '${type}'`)
  const destination = checkDestination(target, `--mount '${spec}'`, 'invalid_mount')
  const m = base(type, destination)
  m.readonly = readonly
  m.labels = labels
  if (type === 'bind') {
    if (source === '') throw cfg('field Source must not be empty')
    m.source = clean(path.resolve(cwd, source))
    m.propagation = propagation || 'rprivate'
  } else if (type === 'volume') {
    if (source !== '') checkVolumeName(source, 'invalid_mount')
    m.source = source
    m.nocopy = nocopy
  } else {
    if (source !== '') throw cfg('field Source must not be specified')
    const opts: string[] = []
    if (size !== undefined) opts.push(`size=${tmpfsSize(size, spec)}`)
    if (mode !== undefined) {
      if (!/^[0-7]{1,4}$/.test(mode)) throw fail(`invalid value for tmpfs-mode: ${mode}`)
      opts.push(`mode=${Number.parseInt(mode, 8).toString(8)}`)
    }
    if (readonly) opts.push('ro')
    m.tmpfs = mergeTmpfsOptions(opts)
  }
  return m
}

/** docker's tmpfs-size: bytes (units allowed) written with the largest unit dividing it. */
function tmpfsSize(value: string, spec: string): string {
  let bytes: number
  try {
    bytes = parseBytes('tmpfs-size', value)
  } catch {
    throw new CliError('invalid_mount', `invalid argument "${spec}" for "--mount" flag: invalid value for tmpfs-size: ${value}`)
  }
  for (const [suffix, d] of [
    ['g', 2 ** 30],
    ['m', 2 ** 20],
    ['k', 2 ** 10],
  ] as const)
    if (bytes % d === 0) return `${bytes / d}${suffix}`
  return String(bytes)
}

/** Flags with an opposite: the later one given wins, as docker's MergeTmpfsOptions. */
const OPPOSITES: Record<string, string> = {
  exec: 'noexec',
  noexec: 'exec',
  suid: 'nosuid',
  nosuid: 'suid',
  dev: 'nodev',
  nodev: 'dev',
  ro: 'rw',
  rw: 'ro',
  atime: 'noatime',
  noatime: 'atime',
  diratime: 'nodiratime',
  nodiratime: 'diratime',
  strictatime: 'nostrictatime',
  nostrictatime: 'strictatime',
  relatime: 'norelatime',
  norelatime: 'relatime',
}
const TMPFS_VALUE_KEYS = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol', 'huge', 'tmpcopyup'])

/** docker's defaults (noexec, nosuid, nodev) under the options given, later ones winning. */
export function mergeTmpfsOptions(given: string[]): string[] {
  const out = new Map<string, string>()
  for (const o of ['rw', 'noexec', 'nosuid', 'nodev', ...given]) {
    const eq = o.indexOf('=')
    if (eq !== -1) {
      out.set(o.slice(0, eq), o)
      continue
    }
    const opposite = OPPOSITES[o]
    if (opposite !== undefined) out.delete(opposite)
    out.set(o, o)
  }
  return [...out.values()]
}

/** `--tmpfs PATH[:OPTS]`. */
export function parseTmpfsFlag(spec: string): MountRequest {
  const colon = spec.indexOf(':')
  const dst = colon === -1 ? spec : spec.slice(0, colon)
  const opts = colon === -1 || spec.slice(colon + 1) === '' ? [] : spec.slice(colon + 1).split(',')
  for (const o of opts) {
    const key = o.split('=')[0]
    if (o.includes('=') ? !TMPFS_VALUE_KEYS.has(key) : OPPOSITES[o] === undefined)
      throw new CliError('invalid_mount', `invalid tmpfs option ["${o}"] in --tmpfs '${spec}'`)
  }
  const m = base('tmpfs', checkDestination(dst, `--tmpfs '${spec}'`, 'invalid_mount'))
  m.tmpfs = mergeTmpfsOptions(opts)
  m.readonly = m.tmpfs.includes('ro')
  return m
}

/** `--volumes-from CONTAINER[:ro|rw]`. */
export function parseVolumesFrom(spec: string): {container: string; mode?: 'ro' | 'rw'} {
  const [container, mode, ...more] = spec.split(':')
  if (container === '' || more.length > 0 || (mode !== undefined && mode !== 'ro' && mode !== 'rw'))
    throw new CliError('invalid_volume', `invalid --volumes-from '${spec}': expected CONTAINER[:ro|rw]`)
  return {container, mode: mode as 'ro' | 'rw' | undefined}
}
