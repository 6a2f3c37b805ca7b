/**
 * What `run`/`create` were asked for, kept in the container's record for `inspect` (docker's
 * Config and HostConfig) and for `ps --filter` (label, ancestor, network, volume): the schema
 * is crates/containers/src/config.rs. Labels come from the image, then `--label-file`, then
 * `--label`, as docker layers them.
 */
import type {NetworkSetup} from '../network/plan'
import {parseBytes} from '../oci/resources'
import type {SecurityOpt} from '../oci/security-opts'
export {parseLabels, type LabelFlags} from '../cli/labels'
import type {RunFlags} from './flags'

export interface PortBinding {
  containerPort: string
  hostIp: string
  hostPort: string
}

export interface HostSettings {
  binds: string[]
  networkMode: string
  portBindings: PortBinding[]
  publishAllPorts: boolean
  autoRemove: boolean
  capAdd: string[]
  capDrop: string[]
  privileged: boolean
  readonlyRootfs: boolean
  init: boolean
  memory: number
  memorySwap: number
  memoryReservation: number
  nanoCpus: number
  cpuShares: number
  cpuQuota: number
  cpuPeriod: number
  cpusetCpus: string
  cpusetMems: string
  pidsLimit: number | null
  blkioWeight: number
  cgroupParent: string
  dns: string[]
  extraHosts: string[]
  securityOpt: string[]
  usernsMode: string
}

export interface ContainerConfig {
  image: string
  imageId: string
  hostname: string
  domainname: string
  user: string
  env: string[]
  cmd: string[]
  entrypoint: string[] | null
  workingDir: string
  labels: Record<string, string>
  exposedPorts: string[]
  tty: boolean
  openStdin: boolean
  host: HostSettings
}

/** What the user named: the entrypoint flag and the positionals (image first, unless --rootfs). */
export interface Asked {
  entrypoint?: string
  positionals: string[]
}

/** The image side of a run from an image (src/image/run.ts). */
export interface ImageSide {
  id: string
  entrypoint: string[]
  cmd: string[]
  labels: Record<string, string>
  exposedPorts: string[]
}

function bytes(flag: string, v: string | undefined): number {
  return v === undefined ? 0 : v === '-1' ? -1 : parseBytes(flag, v)
}

function int(v: string | undefined): number {
  const n = v === undefined ? 0 : Number(v)
  return Number.isFinite(n) ? n : 0
}

/** docker shows --security-opt as given; the seccomp profile's contents are not repeated. */
function securityOptText(o: SecurityOpt): string {
  switch (o.kind) {
    case 'no-new-privileges':
      return `no-new-privileges=${o.value}`
    case 'seccomp':
      return o.profile === 'unconfined' ? 'seccomp=unconfined' : 'seccomp=<profile>'
    case 'systempaths-unconfined':
      return 'systempaths=unconfined'
    case 'no-op':
      return o.value
  }
}

function networkMode(flags: RunFlags, network: NetworkSetup): string {
  if (flags.network !== undefined) return flags.network
  return network.mode.kind === 'network' ? network.mode.name : network.mode.kind
}

export function containerConfig(c: {
  flags: RunFlags
  asked: Asked
  image?: ImageSide
  env: string[]
  user: string
  workingDir: string
  hostname: string
  network: NetworkSetup
  labels: Record<string, string>
}): ContainerConfig {
  const {flags, asked, image} = c
  const given = image ? asked.positionals.slice(1) : asked.positionals
  const entrypoint = asked.entrypoint !== undefined ? [asked.entrypoint] : image && image.entrypoint.length > 0 ? image.entrypoint : null
  const cmd = given.length > 0 ? given : asked.entrypoint !== undefined ? [] : (image?.cmd ?? [])
  const published = c.network.ports.map((p) => `${p.containerPort}/${p.proto}`)
  return {
    image: image ? (asked.positionals[0] ?? '') : '',
    imageId: image?.id ?? '',
    hostname: c.hostname,
    domainname: flags.domainname ?? '',
    user: c.user,
    env: c.env,
    cmd,
    entrypoint,
    workingDir: c.workingDir,
    labels: {...(image?.labels ?? {}), ...c.labels},
    exposedPorts: [...new Set([...(image?.exposedPorts ?? []), ...published])],
    tty: flags.tty,
    openStdin: flags.interactive,
    host: {
      binds: flags.volume,
      networkMode: networkMode(flags, c.network),
      portBindings:
        (flags.publish ?? []).length === 0 && !flags['publish-all']
          ? []
          : c.network.ports.map((p) => ({containerPort: `${p.containerPort}/${p.proto}`, hostIp: p.hostIp ?? '', hostPort: String(p.hostPort)})),
      publishAllPorts: flags['publish-all'] ?? false,
      autoRemove: flags.rm,
      capAdd: flags['cap-add'] ?? [],
      capDrop: flags['cap-drop'] ?? [],
      privileged: flags.privileged ?? false,
      readonlyRootfs: flags['read-only'],
      init: flags.init,
      memory: bytes('memory', flags.memory),
      memorySwap: bytes('memory-swap', flags['memory-swap']),
      memoryReservation: bytes('memory-reservation', flags['memory-reservation']),
      nanoCpus: flags.cpus === undefined ? 0 : Math.round(Number(flags.cpus) * 1e9),
      cpuShares: int(flags['cpu-shares']),
      cpuQuota: int(flags['cpu-quota']),
      cpuPeriod: int(flags['cpu-period']),
      cpusetCpus: flags['cpuset-cpus'] ?? '',
      cpusetMems: flags['cpuset-mems'] ?? '',
      pidsLimit: flags['pids-limit'] === undefined ? null : int(flags['pids-limit']),
      blkioWeight: int(flags['blkio-weight']),
      cgroupParent: flags['cgroup-parent'] ?? '',
      dns: flags.dns ?? [],
      extraHosts: flags['add-host'] ?? [],
      securityOpt: (flags['security-opt'] ?? []).map(securityOptText),
      usernsMode: typeof flags.userns === 'string' ? flags.userns : '',
    },
  }
}
