/**
 * TypeScript types for the subset of the OCI runtime spec (v1.2) that tsc-box writes into a
 * bundle's config.json. Field names and shapes follow the spec exactly, because the Rust runtime
 * deserialises this JSON with oci-spec's typed structs: a misspelt field would be silently dropped.
 */

export const OCI_VERSION = '1.2.0'

export interface Spec {
  ociVersion: string
  process?: Process
  root?: Root
  hostname?: string
  domainname?: string
  mounts?: Mount[]
  linux?: Linux
  hooks?: Hooks
  annotations?: Record<string, string>
}

/** A program the runtime runs at a point of the container's life, with the state on stdin. */
export interface Hook {
  path: string
  /** argv, args[0] included. */
  args?: string[]
  env?: string[]
  /** Seconds. */
  timeout?: number
}

export interface Hooks {
  prestart?: Hook[]
  createRuntime?: Hook[]
  createContainer?: Hook[]
  startContainer?: Hook[]
  poststart?: Hook[]
  poststop?: Hook[]
}

export interface ConsoleSize {
  height: number
  width: number
}

export interface Process {
  terminal?: boolean
  consoleSize?: ConsoleSize
  user: User
  args: string[]
  env?: string[]
  cwd: string
  capabilities?: LinuxCapabilities
  rlimits?: Rlimit[]
  noNewPrivileges?: boolean
  apparmorProfile?: string
  oomScoreAdj?: number
  selinuxLabel?: string
}

export interface User {
  uid: number
  gid: number
  umask?: number
  additionalGids?: number[]
}

export interface Root {
  path: string
  readonly?: boolean
}

export interface Mount {
  destination: string
  type?: string
  source?: string
  options?: string[]
}

/** Capability names carry the CAP_ prefix, e.g. "CAP_CHOWN". */
export interface LinuxCapabilities {
  bounding?: string[]
  effective?: string[]
  inheritable?: string[]
  permitted?: string[]
  ambient?: string[]
}

export type RlimitType =
  | 'RLIMIT_AS'
  | 'RLIMIT_CORE'
  | 'RLIMIT_CPU'
  | 'RLIMIT_DATA'
  | 'RLIMIT_FSIZE'
  | 'RLIMIT_LOCKS'
  | 'RLIMIT_MEMLOCK'
  | 'RLIMIT_MSGQUEUE'
  | 'RLIMIT_NICE'
  | 'RLIMIT_NOFILE'
  | 'RLIMIT_NPROC'
  | 'RLIMIT_RSS'
  | 'RLIMIT_RTPRIO'
  | 'RLIMIT_RTTIME'
  | 'RLIMIT_SIGPENDING'
  | 'RLIMIT_STACK'

export interface Rlimit {
  type: RlimitType
  hard: number
  soft: number
}

export type LinuxNamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time'

export interface LinuxNamespace {
  type: LinuxNamespaceType
  /** Join an existing namespace instead of creating one. */
  path?: string
}

export interface IdMapping {
  containerID: number
  hostID: number
  size: number
}

export interface Linux {
  namespaces?: LinuxNamespace[]
  uidMappings?: IdMapping[]
  gidMappings?: IdMapping[]
  sysctl?: Record<string, string>
  resources?: LinuxResources
  cgroupsPath?: string
  seccomp?: LinuxSeccomp
  maskedPaths?: string[]
  readonlyPaths?: string[]
  devices?: LinuxDevice[]
  rootfsPropagation?: string
  mountLabel?: string
}

/** A device node the runtime creates in the container's /dev. */
export interface LinuxDevice {
  type: 'c' | 'b' | 'u' | 'p'
  path: string
  major?: number
  minor?: number
  fileMode?: number
  uid?: number
  gid?: number
}

export interface LinuxResources {
  devices?: LinuxDeviceCgroup[]
  memory?: LinuxMemory
  cpu?: LinuxCpu
  pids?: LinuxPids
  blockIO?: LinuxBlockIO
  unified?: Record<string, string>
}

/** A device cgroup rule: allow or deny access to a class of devices. */
export interface LinuxDeviceCgroup {
  allow: boolean
  type?: 'a' | 'c' | 'b'
  major?: number
  minor?: number
  /** Any combination of r, w, m. */
  access?: string
}

export interface LinuxMemory {
  limit?: number
  reservation?: number
  swap?: number
  kernel?: number
  kernelTCP?: number
  swappiness?: number
  disableOOMKiller?: boolean
  useHierarchy?: boolean
}

export interface LinuxCpu {
  shares?: number
  quota?: number
  period?: number
  realtimeRuntime?: number
  realtimePeriod?: number
  cpus?: string
  mems?: string
  idle?: number
}

export interface LinuxPids {
  limit: number
}

export interface LinuxWeightDevice {
  major: number
  minor: number
  weight?: number
  leafWeight?: number
}

export interface LinuxThrottleDevice {
  major: number
  minor: number
  rate: number
}

export interface LinuxBlockIO {
  weight?: number
  leafWeight?: number
  weightDevice?: LinuxWeightDevice[]
  throttleReadBpsDevice?: LinuxThrottleDevice[]
  throttleWriteBpsDevice?: LinuxThrottleDevice[]
  throttleReadIOPSDevice?: LinuxThrottleDevice[]
  throttleWriteIOPSDevice?: LinuxThrottleDevice[]
}

export type LinuxSeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY'

export type LinuxSeccompOperator = 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ'

export interface LinuxSeccompArg {
  index: number
  value: number
  valueTwo?: number
  op: LinuxSeccompOperator
}

export interface LinuxSyscall {
  names: string[]
  action: LinuxSeccompAction
  errnoRet?: number
  args?: LinuxSeccompArg[]
}

export interface LinuxSeccomp {
  defaultAction: LinuxSeccompAction
  defaultErrnoRet?: number
  architectures?: string[]
  flags?: string[]
  listenerPath?: string
  listenerMetadata?: string
  syscalls?: LinuxSyscall[]
}
