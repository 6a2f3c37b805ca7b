/**
 * The pure translation of validated run options into an OCI runtime spec. Everything that
 * touches the filesystem (checks, user lookup, writing files) happens before, in src/run/.
 */
import {DEFAULT_MOUNTS, bindMount} from './mounts'
import {OCI_VERSION, type LinuxNamespace, type Mount, type Spec} from './spec'

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface SpecInput {
  id: string
  rootfs: string
  readonly: boolean
  /** The command, entrypoint included. */
  args: string[]
  /** KEY=VAL, already merged from --env-file and -e. */
  env: string[]
  cwd: string
  user: {uid: number; gid: number; additionalGids: number[]; home: string}
  terminal: boolean
  consoleSize?: {width: number; height: number}
  hostname: string
  domainname?: string
  /** Binds, volumes and tmpfs mounts (src/volume/plan.ts), parents first. */
  mounts: Mount[]
  /** Host files bind-mounted over /etc/hostname, /etc/hosts, /etc/resolv.conf. */
  etcFiles: {hostname: string; hosts: string; resolvConf: string}
  /** Host path of the runtime binary to bind at /dev/init, when --init. */
  init?: string
}

export const NAMESPACES: readonly LinuxNamespace[] = [{type: 'pid'}, {type: 'mount'}, {type: 'uts'}, {type: 'ipc'}, {type: 'network'}, {type: 'cgroup'}]

export function cgroupsPathFor(id: string): string {
  return `/tsc-box/${id}`
}

/** Default variables first, then the user's, a later key replacing an earlier one (docker). */
function processEnv(input: SpecInput): string[] {
  const base = [DEFAULT_PATH, `HOSTNAME=${input.hostname}`]
  if (input.terminal) base.push('TERM=xterm')
  base.push(`HOME=${input.user.home || '/'}`)
  const byKey = new Map<string, string>()
  for (const e of [...base, ...input.env]) {
    const eq = e.indexOf('=')
    byKey.set(eq === -1 ? e : e.slice(0, eq), e)
  }
  return [...byKey.values()]
}

export function buildSpec(input: SpecInput): Spec {
  const mounts: Mount[] = DEFAULT_MOUNTS.map((m) => ({...m, options: m.options ? [...m.options] : undefined}))
  for (const m of input.mounts) mounts.push({...m, options: m.options ? [...m.options] : undefined})
  // Like docker, the generated /etc files stay writable even with --read-only.
  mounts.push(bindMount(input.etcFiles.hostname, '/etc/hostname', false))
  mounts.push(bindMount(input.etcFiles.hosts, '/etc/hosts', false))
  mounts.push(bindMount(input.etcFiles.resolvConf, '/etc/resolv.conf', false))

  let args = input.args
  if (input.init !== undefined) {
    mounts.push({destination: '/dev/init', type: 'bind', source: input.init, options: ['bind', 'ro', 'nosuid', 'nodev']})
    args = ['/dev/init', '--', ...args]
  }

  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: input.terminal,
      user: {uid: input.user.uid, gid: input.user.gid, additionalGids: [...input.user.additionalGids]},
      args,
      env: processEnv(input),
      cwd: input.cwd,
    },
    root: {path: input.rootfs, readonly: input.readonly},
    hostname: input.hostname,
    mounts,
    linux: {
      namespaces: NAMESPACES.map((n) => ({...n})),
      cgroupsPath: cgroupsPathFor(input.id),
    },
  }
  if (input.terminal && input.consoleSize && spec.process) spec.process.consoleSize = {...input.consoleSize}
  if (input.domainname) spec.domainname = input.domainname
  return spec
}
