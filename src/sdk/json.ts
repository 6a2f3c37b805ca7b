/**
 * The `--json` output of every command, as TypeScript types: what the SDK's methods resolve
 * to, and (through `npm run gen:schema`, scripts/gen-schema.js) the JSON Schema files under
 * schema/ that scripts in any language validate against. JSON_SHAPES names each command's type;
 * __test__/json-schemas.test.ts checks the CLI's output against the schemas.
 */
import type {DiffEntry} from '../actions/diff'
import type {ImageListEntry} from '../actions/images'
import type {HistoryEntry} from '../actions/history'
import type {PruneResult} from '../actions/image/prune'
import type {InfoResult} from '../actions/info'
import type {BuildEvent, BuildResult} from '../build/builder'
import type {LogEntry} from '../lifecycle/logs'
import type {PortBinding} from '../lifecycle/port'
import type {StatsEntry} from '../lifecycle/stats'
import type {TopEntry} from '../lifecycle/top'
import type {NetworkInfo, NetworkMember as Member} from '../network/admin'
import type {ErrorCode} from '../generated/error-codes'

export type {BuildEvent, BuildResult, DiffEntry, HistoryEntry, InfoResult, LogEntry, NetworkInfo, PortBinding, PruneResult, StatsEntry, TopEntry}

/** Any command's failure under `--json` (on stdout; the exit status is the code's). */
export interface ErrorJson {
  error: {
    /** The stable code of the error contract (crates/errors). */
    code: ErrorCode
    message: string
  }
}

/** A container's state as `ps` judges it. */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead'

/** One `ps --json` entry. */
export interface PsEntry {
  id: string
  name: string
  command: string[]
  /** RFC 3339. */
  created: string
  state: ContainerState
  /** docker's STATUS: "Up 5 seconds", "Exited (0) 3 minutes ago". */
  status: string
  /** null while running, or when nobody recorded it. */
  exitCode: number | null
  /** The init's host pid while running, else 0. */
  pid: number
  restartCount: number
}

/** `run --json` (foreground, -d) and `create --json`. */
export interface RunJson {
  id: string
  name: string
  exitCode: number
  oomKilled: boolean
  /** `run -d` / `create`: handed to a monitor, or created only. */
  detached?: boolean
}

/** docker's `inspect` document of a container (the keys tsc-box writes; docker's others may follow). */
export interface ContainerInspect {
  Id: string
  Created: string
  Path: string
  Args: string[]
  State: {
    Status: string
    Running: boolean
    Paused: boolean
    Restarting: boolean
    OOMKilled: boolean
    Dead: boolean
    Pid: number
    ExitCode: number | null
    StartedAt: string
    FinishedAt: string
    [key: string]: unknown
  }
  Image: string
  Name: string
  RestartCount: number
  HostConfig: Record<string, unknown>
  Mounts: unknown[]
  Config: Record<string, unknown>
  NetworkSettings: Record<string, unknown>
  [key: string]: unknown
}

/** docker's `inspect` document of an image. */
export interface ImageInspect {
  Id: string
  RepoTags: string[]
  RepoDigests: string[]
  Created?: string
  Config?: Record<string, unknown>
  RootFS: {Type: string; Layers: string[]}
  Size: number
  [key: string]: unknown
}

/** `inspect --json`: containers, images, networks or volumes, each in docker's shape. */
export type InspectJson = Array<ContainerInspect | ImageInspect | Record<string, unknown>>

/** One `images --json` entry (`size`: the blobs' total; `unpackedSize`: docker's SIZE, the unpacked layers). */
export type ImagesEntry = ImageListEntry

/** A layer of an image in the store. */
export interface ImageLayer {
  digest: string
  diffId: string
  mediaType: string
  size: number
  /** The unpacked layer directory. */
  path: string
}

/** An image as the store records it (`image from-host --json`). */
export interface ImageSummary {
  id: string
  digest: string
  refs: string[]
  /** Bytes of the image's blobs. */
  size: number
  unpackedSize: number
  created?: string
  /** When this store recorded it, seconds since the epoch. */
  added: number
  layers: ImageLayer[]
}

/** `pull --json` and `tag --json`. */
export interface PullResult {
  id: string
  digest: string
  reference: string
}
export type TagResult = PullResult

/** One image of `load --json`. */
export interface LoadEntry {
  id: string
  digest: string
  references: string[]
  /** Names in the archive that are no valid reference (kept out of the store). */
  ignoredNames?: string[]
}

/** One step of `rmi --json`. */
export interface RmiEvent {
  untagged?: string
  deleted?: string
}

/** `start`, `restart`, `rm`, `pause`, `unpause` --json. */
export type ContainerRefs = Array<{id: string; name: string}>
export type StopJson = Array<{id: string; name: string; exitCode: number | null}>
export type KillJson = Array<{id: string; name: string; signal: string}>
export type WaitJson = Array<{id: string; name: string; exitCode: number}>

/** `exec --json` (after the process's own output). */
export interface ExecJson {
  id: string
  exitCode: number
}

/** A container on a network, as `network ls/inspect --json` show it (the runtime's record of it). */
export interface NetworkMemberJson extends Member {
  /** The container's /etc/hosts file and the lines it started with. */
  hosts?: string
  hostsBase?: string
  /** The nftables table of its published ports, if any. */
  nftTable?: string | null
  /** Its init's pid and start time (the member is stale once they no longer match). */
  pid?: number
  startTime?: number
}

/** `network ls --json` entries and `network inspect --json`: tsc-box's shape. */
export type NetworkInspect = NetworkInfo & {
  enableIPv6: boolean
  /** Why the network has no IPv6 when the host lacks it. */
  ipv6Unavailable?: string
  containers: NetworkMemberJson[]
}

/** `network create --json`. */
export type NetworkCreated = NetworkInfo

/** `volume create --json`: the store's record of the volume. */
export interface VolumeCreated {
  name: string
  driver: string
  createdAt: string
  labels: Record<string, string>
  options: Record<string, string>
  mountpoint: string
  anonymous: boolean
}

/** docker's `volume inspect` document, also each entry of `volume ls --json`. */
export interface VolumeInspect {
  CreatedAt: string
  Driver: string
  Labels: Record<string, string>
  Mountpoint: string
  Name: string
  Options: Record<string, string>
  Scope: string
}
export type VolumeLsEntry = VolumeInspect

/** The name of each command's `--json` type above (schema/<command>.schema.json, `:` as `-`). */
export const JSON_SHAPES = {
  build: 'BuildResult',
  /** Each line `build --json` writes before its result, one per step, cache hit, output line and warning. */
  'build:event': 'BuildEvent',
  'builder:prune': 'BuilderPruneJson',
  commit: 'ImageCommitJson',
  'container:prune': 'ContainerPruneJson',
  cp: 'CpJson',
  create: 'RunJson',
  diff: 'DiffJson',
  error: 'ErrorJson',
  exec: 'ExecJson',
  export: 'ExportJson',
  history: 'HistoryJson',
  'image:from-host': 'ImageSummary',
  'image:inspect': 'ImageInspectJson',
  'image:prune': 'PruneResult',
  images: 'ImagesJson',
  import: 'ImageCommitJson',
  info: 'InfoResult',
  inspect: 'InspectJson',
  kill: 'KillJson',
  load: 'LoadJson',
  login: 'LoginJson',
  logs: 'LogsJson',
  'network:connect': 'NetworkConnectJson',
  'network:create': 'NetworkCreated',
  'network:disconnect': 'NetworkDisconnectJson',
  'network:inspect': 'NetworkInspectJson',
  'network:ls': 'NetworkInspectJson',
  'network:prune': 'NetworkPruneJson',
  'network:rm': 'NamesJson',
  pause: 'ContainerRefs',
  port: 'PortJson',
  ps: 'PsJson',
  pull: 'PullResult',
  push: 'PushJson',
  restart: 'ContainerRefs',
  rm: 'ContainerRefs',
  rmi: 'RmiJson',
  run: 'RunJson',
  save: 'SaveJson',
  start: 'ContainerRefs',
  stats: 'StatsJson',
  stop: 'StopJson',
  tag: 'TagResult',
  top: 'TopJson',
  unpause: 'ContainerRefs',
  'volume:create': 'VolumeCreated',
  'volume:inspect': 'VolumeInspectJson',
  'volume:ls': 'VolumeInspectJson',
  'volume:prune': 'VolumePruneJson',
  'volume:rm': 'NamesJson',
  wait: 'WaitJson',
} as const

export type PsJson = PsEntry[]
export type ImagesJson = ImagesEntry[]
export type LoadJson = LoadEntry[]
export type LogsJson = LogEntry[]
export type RmiJson = RmiEvent[]
export type StatsJson = StatsEntry[]
export type TopJson = TopEntry[]
export type PortJson = PortBinding[]
export type DiffJson = DiffEntry[]
export type HistoryJson = HistoryEntry[]
export type NamesJson = string[]
export type NetworkInspectJson = NetworkInspect[]
export type VolumeInspectJson = VolumeInspect[]
export type ImageInspectJson = ImageInspect[]
export interface BuilderPruneJson {
  entries: number
  images: string[]
  reclaimed: number
}
/** `commit --json` and `import --json`. */
export interface ImageCommitJson {
  id: string
  digest: string
  tags: string[]
}
export interface ContainerPruneJson {
  removed: string[]
}
export interface CpJson {
  id: string
  name: string
}
/** `export --json` (-o FILE). */
export interface ExportJson {
  output: string
  entries: number
}
export interface LoginJson {
  registry: string
  username: string
  authFile: string
}
export interface NetworkConnectJson {
  network: string
  container: string
  ip: string
}
export interface NetworkDisconnectJson {
  network: string
  container: string
}
export interface NetworkPruneJson {
  networksDeleted: string[]
}
export interface PushJson {
  digest: string
  reference: string
}
export interface SaveJson {
  file: string
  format: string
  images: string[]
}
export interface VolumePruneJson {
  volumesDeleted: string[]
  spaceReclaimed: number
}
