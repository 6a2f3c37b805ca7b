/**
 * `tsc-box cp` from Node: the copy is the store's (crates/containers/src/cp, which the native
 * front door runs too: every container path resolved inside the container's root). What only
 * Node does is mount a stopped container's overlay for the copy (and unmount it after), as
 * `start` would mount it.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {overlayDirOf, releaseOverlayDir} from '../container/remove'
import {store} from '../container/store'
import {CliError} from '../errors'
import {ensureContainerRootfs, isMountPoint} from '../image/rootfs'
import type {Paths} from '../paths'
import {viewById} from './state'

export interface CpFlags {
  archive?: boolean
  'follow-link'?: boolean
}

function driverOf(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'driver'), 'utf8').trim()
  } catch {
    return 'overlay'
  }
}

/** Copies SRC to DEST (one of them CONTAINER:PATH); returns the container's id and name (the front door's --json). */
export async function cpCommand(src: string, dest: string, flags: CpFlags, paths: Paths): Promise<{id: string; name: string}> {
  const t = store((n) => n.cpTarget(paths.dataRoot, paths.runDir, src, dest))
  let unmount: string | undefined
  if (!t.running) {
    const dir = overlayDirOf(paths.dataRoot, t.rootfs)
    if (dir !== undefined && driverOf(dir) === 'runtime')
      throw new CliError(
        'cp_unsupported',
        `container ${t.id.slice(0, 12)} is stopped and its root filesystem is mounted only inside its user namespace (rootless or --userns): start it, then copy`,
      )
    if (dir !== undefined && driverOf(dir) !== 'copy' && !isMountPoint(path.join(dir, 'merged'))) {
      await ensureContainerRootfs(paths.dataRoot, t.dir)
      unmount = dir
    }
  }
  try {
    store((n) => n.cpRun(paths.dataRoot, paths.runDir, src, dest, {archive: flags.archive === true, followLink: flags['follow-link'] === true}))
  } finally {
    if (unmount !== undefined) releaseOverlayDir(unmount, false)
  }
  return {id: t.id, name: viewById(paths.dataRoot, t.id, paths.runDir)?.name ?? ''}
}
