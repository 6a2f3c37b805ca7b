/**
 * A container's mounts, from its flags and its image: planned before anything exists (every
 * refusal leaves nothing), kept in its record (what `rm -v`, `--volumes-from` and inspect's
 * Mounts read), made once the root filesystem is there (volumes created and filled from the
 * image: copy-up), then translated into the spec's mounts.
 *
 * docker's precedence for a destination: the container's own -v/--mount/--tmpfs, then
 * --volumes-from, then the image's VOLUME (an anonymous volume).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
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
 * Makes what the mounts need once the root filesystem is in place: -v's missing bind
 * sources, the volumes (a new or empty one filled from `rootfs` at its destination unless
 * nocopy, or when `rootfs` is null: the image is not readable here). Returns the spec's mounts.
 */
export function makeMounts(planned: PlannedMount[], paths: {dataRoot: string; runDir: string}, rootfs: string | null): Mount[] {
  return planned.map(({point, nocopy, createSource, labels}) => {
    if (point.type === 'bind') {
      if (createSource && !fs.existsSync(point.source)) fs.mkdirSync(point.source, {recursive: true, mode: 0o755})
      return bind(point.source, point)
    }
    if (point.type === 'tmpfs') return {destination: point.destination, type: 'tmpfs', source: 'tmpfs', options: [...point.options]}
    const copy = nocopy || rootfs === null ? undefined : {rootfs, path: point.destination}
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
