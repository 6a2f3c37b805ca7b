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
import {CliError, isErrorCode} from '../errors'
import {childProcess} from '../lazy-modules'
import {requireRuntime} from '../runtime/locate'
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

/**
 * The runtime's `helper cp-stopped` (crates/runtime/src/commands/cp_stopped.rs), with this
 * process's stdin and stdout (a tar stream for `-`); its error is one JSON line on stderr.
 */
function cpStoppedRootless(bundle: string, src: string, dest: string, flags: CpFlags): void {
  const args = ['helper', 'cp-stopped', '--bundle', bundle]
  if (flags.archive) args.push('--archive')
  if (flags['follow-link']) args.push('--follow-link')
  const r = childProcess().spawnSync(requireRuntime(), [...args, '--', src, dest], {stdio: ['inherit', 'inherit', 'pipe'], encoding: 'utf8'})
  if (r.status === 0) return
  const lines = (r.stderr ?? '').trim().split('\n')
  let err: {code?: string; message?: string} | undefined
  try {
    err = (JSON.parse(lines.at(-1) ?? '') as {error?: {code?: string; message?: string}}).error
  } catch {
    // not the helper's own report: it died on the way
  }
  // What the helper said besides (the kernel refusing overlayfs, a copy made instead) is the user's to see.
  const said = err ? lines.slice(0, -1) : lines
  if (said.some((l) => l !== '')) process.stderr.write(`${said.join('\n')}\n`)
  if (err) throw new CliError(isErrorCode(err.code) ? err.code : 'cp_failed', err.message ?? 'cp failed')
  throw new CliError('cp_failed', `tsc-box-runtime helper cp-stopped: ${r.error?.message ?? `exit status ${r.status ?? r.signal}`}`)
}

/** Copies SRC to DEST (one of them CONTAINER:PATH); returns the container's id and name (the front door's --json). */
export async function cpCommand(src: string, dest: string, flags: CpFlags, paths: Paths): Promise<{id: string; name: string}> {
  const t = store((n) => n.cpTarget(paths.dataRoot, paths.runDir, src, dest))
  let unmount: string | undefined
  if (!t.running) {
    const dir = overlayDirOf(paths.dataRoot, t.rootfs)
    if (dir !== undefined && driverOf(dir) === 'runtime') {
      // Rootless: the runtime's helper mounts the overlay again in a user namespace and copies there.
      if ((process.getuid?.() ?? 0) !== 0) {
        cpStoppedRootless(t.dir, src, dest, flags)
        return {id: t.id, name: viewById(paths.dataRoot, t.id, paths.runDir)?.name ?? ''}
      }
      throw new CliError(
        'cp_unsupported',
        `container ${t.id.slice(0, 12)} is stopped and its root filesystem is mounted only inside its user namespace (--userns): start it, then copy`,
      )
    }
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
