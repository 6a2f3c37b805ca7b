/**
 * The security side of `tsc-box run`: capabilities, no_new_privs, seccomp, masked and
 * read-only /proc and /sys paths, and the device cgroup. Without flags a container gets
 * docker's defaults, with no_new_privs on (stricter than docker) and no block devices at all.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import {ALL_CAPS, capsFromMask, resolveCaps} from './security-caps'
import type {SecurityOpt} from './security-opts'
import {resolveProfile, type DockerSeccompProfile} from './security-seccomp'
import {DEFAULT_SECCOMP_PROFILE} from './security-seccomp-default'
import {applyUserns, currentUsernsHost, type UsernsFlags, type UsernsHost} from './security-userns'
import type {LinuxDeviceCgroup, Spec} from './spec'

/** Kernel interfaces that reveal or change the host: hidden (OCI and docker defaults). */
export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
]

export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']

const chr = (major: number, minor: number | undefined): LinuxDeviceCgroup =>
  minor === undefined ? {allow: true, type: 'c', major, access: 'rwm'} : {allow: true, type: 'c', major, minor, access: 'rwm'}

/**
 * Deny everything, then the devices every container has in /dev. Unlike docker, no blanket
 * `mknod` permission on every char and block device: creating /dev/sda inside the container
 * is refused by the kernel even with CAP_MKNOD.
 */
export const DEFAULT_DEVICE_RULES: readonly LinuxDeviceCgroup[] = [
  {allow: false, access: 'rwm'},
  chr(1, 3), // null
  chr(1, 5), // zero
  chr(1, 7), // full
  chr(1, 8), // random
  chr(1, 9), // urandom
  chr(5, 0), // tty
  chr(5, 2), // ptmx
  chr(136, undefined), // pts/*
]

export interface SecurityFlags extends Partial<UsernsFlags> {
  'cap-add': string[]
  'cap-drop': string[]
  privileged: boolean
  'security-opt': SecurityOpt[]
  /** Who runs tsc-box and its id ranges (default: read from the process and /etc/subuid). */
  usernsHost?: UsernsHost
}

export interface HostInfo {
  /** process.arch */
  arch: string
  /** os.release() */
  kernel: string
  /** The capabilities tsc-box holds (its bounding set): the most a container can get. */
  bounding: ReadonlySet<string>
}

function ownBoundingSet(): ReadonlySet<string> {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))
    if (m) return capsFromMask(m[1])
  } catch {
    // no /proc: assume everything, the runtime will report what it cannot grant
  }
  return new Set(ALL_CAPS)
}

export function hostInfo(): HostInfo {
  return {arch: process.arch, kernel: os.release(), bounding: ownBoundingSet()}
}

function last<K extends SecurityOpt['kind']>(opts: SecurityOpt[], kind: K): Extract<SecurityOpt, {kind: K}> | undefined {
  return opts.filter((o): o is Extract<SecurityOpt, {kind: K}> => o.kind === kind).at(-1)
}

/**
 * Writes the security settings for `f` into `spec` (capabilities, noNewPrivileges,
 * linux.seccomp, maskedPaths, readonlyPaths, resources.devices). Throws CliError (exit 125) on
 * unknown capabilities; a profile's values are validated by the runtime when it compiles it.
 */
export function applySecurity(spec: Spec, f: SecurityFlags, host: HostInfo = hostInfo()): void {
  const opts = f['security-opt']
  applyUserns(spec, {userns: f.userns, uidmap: f.uidmap ?? [], gidmap: f.gidmap ?? []}, f.usernsHost ?? currentUsernsHost())
  const caps = resolveCaps(f['cap-add'], f['cap-drop'], f.privileged, host.bounding)
  const proc = spec.process
  if (proc) {
    // Inheritable and ambient stay empty: a capability must never survive execve of a
    // program that was not given it (CVE-2022-29162 class).
    proc.capabilities = {bounding: [...caps], effective: [...caps], permitted: [...caps], inheritable: [], ambient: []}
    // Stricter than docker by default; --privileged behaves like docker's (setuid binaries work).
    proc.noNewPrivileges = last(opts, 'no-new-privileges')?.value ?? !f.privileged
  }

  spec.linux ??= {}
  const linux = spec.linux
  const seccomp = last(opts, 'seccomp')?.profile ?? (f.privileged ? 'unconfined' : DEFAULT_SECCOMP_PROFILE)
  if (seccomp === 'unconfined') delete linux.seccomp
  else linux.seccomp = resolveProfile(seccomp as DockerSeccompProfile, {caps, arch: host.arch, kernel: host.kernel})

  if (f.privileged || last(opts, 'systempaths-unconfined')) {
    delete linux.maskedPaths
    delete linux.readonlyPaths
  } else {
    linux.maskedPaths = [...MASKED_PATHS]
    linux.readonlyPaths = [...READONLY_PATHS]
  }

  const extra = linux.resources?.devices ?? []
  const base = f.privileged ? [{allow: true, access: 'rwm'}] : DEFAULT_DEVICE_RULES.map((r) => ({...r}))
  linux.resources = {...linux.resources, devices: [...base, ...extra]}

  if (f.privileged) {
    // docker mounts /sys read-write for privileged containers.
    for (const m of spec.mounts ?? []) {
      if (m.destination === '/sys' && m.type === 'sysfs' && m.options) m.options = m.options.filter((o) => o !== 'ro')
    }
  }
}
