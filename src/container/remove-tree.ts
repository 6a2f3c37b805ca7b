/**
 * Removing a directory tree a rootless container wrote into (its upper layer or copied rootfs): files made by
 * its non-root ids belong to the user's subordinate ids, which the user cannot unlink on the
 * host. The runtime then removes the tree in a user namespace mapping those ids, with the same
 * maps a container gets by default.
 */
import * as fs from 'node:fs'
import {CliError} from '../errors'
import {requireRuntime} from '../runtime/locate'
import {rootlessMapArgs} from './rootless-maps'
import {childProcess} from '../lazy-modules'

export function removeTree(dir: string): void {
  try {
    fs.rmSync(dir, {recursive: true, force: true})
    return
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if ((process.getuid?.() ?? 0) === 0 || (code !== 'EACCES' && code !== 'EPERM')) throw e
  }
  const args = ['remove-tree', ...rootlessMapArgs(), dir]
  const {spawnSync} = childProcess()
  const r = spawnSync(requireRuntime(), args, {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  if (r.status !== 0) throw new CliError('remove_failed', `cannot remove ${dir}: ${(r.stderr ?? '').trim() || `runtime exit ${r.status}`}`)
}

