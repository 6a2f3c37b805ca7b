/**
 * Capability sets for `--cap-add`, `--cap-drop` and `--privileged`, with docker's arithmetic.
 * Names are normalised to the CAP_ form the OCI spec uses; unknown names are refused.
 */
import {CliError} from '../errors'

/** Every capability Linux defines (0..40, CAP_CHECKPOINT_RESTORE being the last, Linux 5.9). */
export const ALL_CAPS: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
]

/** docker's default set: what a container gets without flags. */
export const DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
]

const KNOWN = new Set(ALL_CAPS)

/** `sys_admin`, `SYS_ADMIN`, `CAP_SYS_ADMIN` -> `CAP_SYS_ADMIN`; `all` -> `ALL`. */
export function normalizeCap(input: string): string {
  const upper = input.trim().toUpperCase()
  if (upper === 'ALL') return 'ALL'
  const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`
  if (!KNOWN.has(name)) throw new CliError('invalid_capability', `unknown capability: ${JSON.stringify(input)}`)
  return name
}

/** The capabilities in a CapBnd/CapEff hex mask from /proc/PID/status. */
export function capsFromMask(hex: string): Set<string> {
  const mask = BigInt(`0x${hex}`)
  return new Set(ALL_CAPS.filter((_, bit) => (mask >> BigInt(bit)) & 1n))
}

/**
 * docker's rules: `--privileged` gets every capability; `--cap-add ALL` every one but the
 * dropped ones; `--cap-drop ALL` only the added ones; otherwise the defaults minus the dropped
 * plus the added. Sorted in kernel order so the spec is deterministic.
 *
 * `available` is what tsc-box itself holds (its bounding set): a container cannot get more,
 * so "every capability" means every available one, and asking by name for one that is not
 * available is refused here rather than failing later in the runtime's capset.
 */
export function resolveCaps(
  add: readonly string[],
  drop: readonly string[],
  privileged: boolean,
  available: ReadonlySet<string> = new Set(ALL_CAPS),
): string[] {
  const adds = new Set(add.map(normalizeCap))
  const drops = new Set(drop.map(normalizeCap))
  for (const c of adds) {
    if (c !== 'ALL' && !available.has(c))
      throw new CliError(
        'capability_unavailable',
        `--cap-add ${c}: tsc-box does not hold this capability itself (it is not in its bounding set), so no container can get it`,
      )
  }
  let keep: (c: string) => boolean
  if (privileged) keep = () => true
  else if (adds.has('ALL')) keep = (c) => !drops.has(c)
  else if (drops.has('ALL')) keep = (c) => adds.has(c)
  else keep = (c) => (DEFAULT_CAPS.includes(c) && !drops.has(c)) || adds.has(c)
  return ALL_CAPS.filter((c) => available.has(c) && keep(c))
}
