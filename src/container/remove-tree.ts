/**
 * Removing a directory tree a rootless container wrote into (its copied rootfs): files made by
 * its non-root ids belong to the user's subordinate ids, which the user cannot unlink on the
 * host. The runtime then removes the tree in a user namespace mapping those ids, with the same
 * maps a container gets by default.
 */
import {spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import {CliError} from '../errors'
import {currentUsernsHost, rootlessMap} from '../oci/security-userns'
import {requireRuntime} from '../runtime/locate'

export function removeTree(dir: string): void {
  try {
    fs.rmSync(dir, {recursive: true, force: true})
    return
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if ((process.getuid?.() ?? 0) === 0 || (code !== 'EACCES' && code !== 'EPERM')) throw e
  }
  const host = currentUsernsHost()
  const maps = (flag: string, m: ReturnType<typeof rootlessMap>) => m.flatMap((x) => [flag, `${x.containerID}:${x.hostID}:${x.size}`])
  const args = ['remove-tree', ...maps('--uidmap', rootlessMap(host.uid, host.subuid)), ...maps('--gidmap', rootlessMap(host.gid, host.subgid)), dir]
  const r = spawnSync(requireRuntime(), args, {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  if (r.status !== 0) throw new CliError('remove_failed', `cannot remove ${dir}: ${(r.stderr ?? '').trim() || `runtime exit ${r.status}`}`)
}
