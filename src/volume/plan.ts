/**
 * A container's mounts, from its flags and its image: planned before anything exists (every
 * refusal leaves nothing), kept in its record (what `rm -v`, `--volumes-from` and inspect's
 * Mounts read), made once the root filesystem is there (volumes created and filled from the
 * image: copy-up), then translated into the spec's mounts.
 *
 * docker's precedence for a destination: the container's own -v/--mount/--tmpfs, then
 * --volumes-from, then the image's VOLUME (an anonymous volume).
 */
import {childProcess} from '../lazy-modules'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {storeStatic} from '../container/store'
import {newContainerId} from '../container/id'
import {CliError} from '../errors'
import type {Mount} from '../oci/spec'
import {parseMountFlag, parseTmpfsFlag, parseVolumeFlag, parseVolumesFrom, type MountRequest} from './flags'
import {volumes, type MountPoint, type VolumeInfo} from './store'

export interface MountFlags {
  volume: string[]
  mount?: string[]
  tmpfs?: string[]
  'volumes-from'?: string[]
}

export interface PlannedMount {
  point: MountPoint
  /** No copy-up (volume-nocopy). */
  nocopy: boolean
  /** A missing bind source is made (-v). */
  createSource: boolean
  labels: Record<string, string>
}

export interface PlanContext {
  cwd: string
  paths: {dataRoot: string; runDir: string}
  /** The image config's Volumes (destinations). */
  imageVolumes: string[]
  /** The container a --volumes-from reference names (its id). */
  resolveContainer: (reference: string) => string
}

function volumeSource(dataRoot: string, name: string): string {
  return path.join(dataRoot, 'volumes', name, '_data')
}

function toPoint(r: MountRequest, dataRoot: string): PlannedMount {
  const anonymous = r.type === 'volume' && r.source === ''
  const name = r.type !== 'volume' ? '' : anonymous ? newContainerId() : r.source
  const point: MountPoint = {
    type: r.type as MountPoint['type'],
    name,
    source: r.type === 'bind' ? r.source : r.type === 'volume' ? volumeSource(dataRoot, name) : '',
    destination: r.destination,
    mode: r.mode,
    rw: !r.readonly,
    propagation: r.propagation,
    anonymous,
    driver: r.type === 'volume' ? 'local' : '',
    options: r.type === 'tmpfs' ? r.tmpfs : r.nocopy ? ['nocopy'] : [],
  }
  return {point, nocopy: r.nocopy, createSource: r.createSource, labels: r.labels}
}

/** Every mount of the new container, checked; nothing is made. */
export function planMounts(flags: MountFlags, ctx: PlanContext): PlannedMount[] {
  const requests = [
    ...flags.volume.map((s) => parseVolumeFlag(s, ctx.cwd)),
    ...(flags.mount ?? []).map((s) => parseMountFlag(s, ctx.cwd)),
    ...(flags.tmpfs ?? []).map(parseTmpfsFlag),
  ]
  const taken = new Set<string>()
  const planned: PlannedMount[] = []
  for (const r of requests) {
    if (taken.has(r.destination)) throw new CliError('invalid_volume', `Duplicate mount point: ${r.destination}`)
    taken.add(r.destination)
    // --mount never makes a bind's source (docker's error); -v does, later.
    if (r.type === 'bind' && !r.createSource && !fs.existsSync(r.source))
      throw new CliError('invalid_mount', `invalid mount config for type "bind": bind source path does not exist: ${r.source}`)
    planned.push(toPoint(r, ctx.paths.dataRoot))
  }
  for (const spec of flags['volumes-from'] ?? []) {
    const {container, mode} = parseVolumesFrom(spec)
    const id = ctx.resolveContainer(container)
    for (const m of volumes(ctx.paths, (s) => s.containerMounts(id))) {
      // docker shares a container's volumes and binds; its tmpfs mounts are its own.
      if (m.type === 'tmpfs' || taken.has(m.destination)) continue
      taken.add(m.destination)
      const rw = mode === undefined ? m.rw : mode === 'rw'
      planned.push({point: {...m, rw, mode: mode ?? m.mode, anonymous: false}, nocopy: true, createSource: false, labels: {}})
    }
  }
  for (const dst of ctx.imageVolumes) {
    if (!dst.startsWith('/')) continue
    const d = path.posix.normalize(dst).replace(/(.)\/$/, '$1')
    if (d === '/' || taken.has(d)) continue
    taken.add(d)
    planned.push(toPoint({...parseVolumeFlag(d, '/'), mode: ''}, ctx.paths.dataRoot))
  }
  // Parents before children (/a before /a/b), as docker sorts them.
  return planned.sort((a, b) => depth(a.point.destination) - depth(b.point.destination))
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length
}

/**
 * Where copy-up reads the image: a root filesystem this process sees; or, without root, the
 * image's layers (topmost first), which only a user namespace mapping the caller's
 * subordinate ids may read (the runtime's `volume-copyup` helper mounts them on `mountpoint`,
 * an empty directory of ours, in a mount namespace of its own); or nothing (volumes start
 * empty: root with --userns, whose layers the runtime maps).
 */
export type ImageContent = {rootfs: string} | {layers: string[]; mountpoint: string; runtime: string} | null

/** What copy-up reads for a container whose root filesystem is `rootfs`, over `image`'s overlay if any. */
export function imageContent(rootfs: string, image: {driver: string; layers?: {lowerdir: string[]}} | undefined, runtime: string): ImageContent {
  if (image?.driver !== 'runtime') return {rootfs}
  // The overlay's merged directory is ours and empty until the runtime mounts it.
  if ((process.getuid?.() ?? 0) !== 0 && image.layers) return {layers: image.layers.lowerdir, mountpoint: rootfs, runtime}
  return null
}

/** Without root: the volume made or filled from the layers by the runtime's helper. */
function copyUpRootless(
  c: {layers: string[]; mountpoint: string; runtime: string},
  paths: {dataRoot: string},
  point: MountPoint,
  labels: Record<string, string>,
): void {
  const args = [
    'helper',
    'volume-copyup',
    ...storeStatic((s) => s.helperMapArgs()),
    '--data-root',
    paths.dataRoot,
    '--name',
    point.name,
    '--mountpoint',
    c.mountpoint,
  ]
  args.push('--path', point.destination)
  if (point.anonymous) args.push('--anonymous')
  for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`)
  for (const l of c.layers) args.push('--lower', l)
  const r = childProcess().spawnSync(c.runtime, args, {encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe']})
  if (r.status !== 0) {
    const why = (r.stderr ?? '').trim().replace(/^tsc-box-runtime: /gm, '') || `exit ${r.status ?? r.signal}`
    throw new CliError('volume_failed', why)
  }
}

/** Whether a volume needs the image's content: it is new, or its data is still empty. */
function needsContent(source: string): boolean {
  try {
    return fs.readdirSync(source).length === 0
  } catch {
    return true
  }
}

/**
 * Makes what the mounts need once the root filesystem is in place: -v's missing bind
 * sources, the volumes (a new or empty one filled from the image at its destination unless
 * nocopy). Returns the spec's mounts.
 */
export function makeMounts(planned: PlannedMount[], paths: {dataRoot: string; runDir: string}, content: ImageContent): Mount[] {
  return planned.map(({point, nocopy, createSource, labels}) => {
    if (point.type === 'bind') {
      if (createSource && !fs.existsSync(point.source)) fs.mkdirSync(point.source, {recursive: true, mode: 0o755})
      return bind(point.source, point)
    }
    if (point.type === 'tmpfs') return {destination: point.destination, type: 'tmpfs', source: 'tmpfs', options: [...point.options]}
    if (!nocopy && content !== null && 'layers' in content && needsContent(point.source)) copyUpRootless(content, paths, point, labels)
    const copy = nocopy || content === null || !('rootfs' in content) ? undefined : {rootfs: content.rootfs, path: point.destination}
    const {volume} = volumes(paths, (s) => s.ensure({name: point.name, anonymous: point.anonymous, labels}, copy))
    return volumeMount(volume, point)
  })
}

function bind(source: string, point: MountPoint): Mount {
  const options = ['rbind', point.propagation || 'rprivate']
  if (!point.rw) options.push('ro')
  return {destination: point.destination, type: 'bind', source, options}
}

/** A plain volume is a bind of its directory; the local driver's tmpfs and bind kinds (-o). */
function volumeMount(v: VolumeInfo, point: MountPoint): Mount {
  const o = v.options.o ? v.options.o.split(',').filter(Boolean) : []
  if (v.options.type === 'tmpfs') {
    const options = [...o]
    if (!point.rw) options.push('ro')
    return {destination: point.destination, type: 'tmpfs', source: v.options.device || 'tmpfs', options}
  }
  if (o.includes('bind') || o.includes('rbind')) return bind(v.options.device, point)
  return bind(v.mountpoint, point)
}
