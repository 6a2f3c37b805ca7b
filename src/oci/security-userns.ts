/**
 * User namespaces: `--uidmap`/`--gidmap CONTAINER:HOST:SIZE` (podman's flags) make the
 * container's root an unprivileged id range on the host; `--userns=host` (the default for
 * root) keeps the host's ids. The runtime writes the maps (newuidmap/newgidmap when rootless).
 * `--userns=auto` and `keep-id` need an id allocator that tsc-box does not have yet: refused.
 */
import {CliError} from '../errors'
import {Flags} from '../cli/flags'
import type {IdMapping, Spec} from './spec'

const MAX_ID = 0xffffffff

function invalid(message: string): CliError {
  return new CliError('invalid_userns', message)
}

export function parseIdMap(value: string, flag: string): IdMapping {
  const m = /^(\d+):(\d+):(\d+)$/.exec(value)
  if (!m) throw invalid(`invalid --${flag} ${JSON.stringify(value)}: expected CONTAINER_ID:HOST_ID:SIZE`)
  const [containerID, hostID, size] = [m[1], m[2], m[3]].map(Number)
  if (size === 0) throw invalid(`invalid --${flag} ${JSON.stringify(value)}: the size must be at least 1`)
  if (containerID + size - 1 > MAX_ID || hostID + size - 1 > MAX_ID)
    throw invalid(`invalid --${flag} ${JSON.stringify(value)}: the range goes past id ${MAX_ID}`)
  return {containerID, hostID, size}
}

export const usernsFlags = {
  userns: Flags.custom<'host'>({
    description: 'user namespace mode: host (no user namespace unless --uidmap/--gidmap are given)',
    helpValue: 'MODE',
    parse: async (s: string) => {
      if (s === 'host') return 'host'
      throw invalid(`--userns=${s} is not supported (supported: host; or give --uidmap/--gidmap)`)
    },
  }),
  uidmap: Flags.custom<IdMapping, true>({
    multiple: true,
    description: 'map container uids to host uids in a new user namespace',
    helpValue: 'CONTAINER:HOST:SIZE',
    parse: async (s: string) => parseIdMap(s, 'uidmap'),
  }),
  gidmap: Flags.custom<IdMapping, true>({
    multiple: true,
    description: 'map container gids to host gids in a new user namespace (default: as --uidmap)',
    helpValue: 'CONTAINER:HOST:SIZE',
    parse: async (s: string) => parseIdMap(s, 'gidmap'),
  }),
}

export interface UsernsFlags {
  userns?: 'host'
  uidmap: IdMapping[]
  gidmap: IdMapping[]
}

export function applyUserns(spec: Spec, f: UsernsFlags): void {
  if (f.uidmap.length === 0 && f.gidmap.length === 0) return
  if (f.userns === 'host') throw invalid('--uidmap/--gidmap need a user namespace: they cannot be combined with --userns=host')
  const linux = (spec.linux ??= {})
  const namespaces = (linux.namespaces ??= [])
  if (!namespaces.some((n) => n.type === 'user')) namespaces.push({type: 'user'})
  // podman: one of the two alone applies to both.
  const uid = f.uidmap.length > 0 ? f.uidmap : f.gidmap
  const gid = f.gidmap.length > 0 ? f.gidmap : f.uidmap
  linux.uidMappings = uid.map((m) => ({...m}))
  linux.gidMappings = gid.map((m) => ({...m}))
}
