/**
 * Removing containers and what they hold is the store's (crates/containers/src/remove.rs),
 * shared with the runtime's native `rm`: this is its door for the TypeScript commands. The
 * binding spawns the runtime for kill/delete/resume, and for a rootless caller's trees holding
 * files of its subordinate ids (`tsc-box-runtime remove-tree`, with the maps the store reads).
 */
import type {Paths} from '../paths'
import {requireRuntime} from '../runtime/locate'
import {volumes} from '../volume/store'
import {containers, storeStatic} from './store'

function rootless(): boolean {
  return (process.getuid?.() ?? 0) !== 0
}

/**
 * `rm [-f] [-v]`: processes (with force), runtime state, writable layer, directory, name,
 * block; with `anonymousVolumes` (-v), then its anonymous volumes no other container mounts.
 */
export function removeContainerFully(runtime: string, paths: Paths, id: string, force: boolean, anonymousVolumes = false): void {
  withVolumes(paths, id, anonymousVolumes, () => containers(paths, (s) => s.remove(runtime, id, force)))
}

/** What `run`/`create` made for a container the runtime holds nothing of. */
export function removeContainerFiles(dataRoot: string, id: string, name: string, anonymousVolumes = false): void {
  const runtime = rootless() ? requireRuntime() : undefined
  withVolumes({dataRoot, runDir: ''}, id, anonymousVolumes, () => containers({dataRoot, runDir: ''}, (s) => s.removeFiles(id, name, runtime)))
}

/** The record's mounts are read before it goes; the volumes go after the container. */
function withVolumes(paths: {dataRoot: string; runDir: string}, id: string, anonymousVolumes: boolean, remove: () => void): void {
  const mounts = anonymousVolumes ? volumes(paths, (s) => s.containerMounts(id)) : []
  remove()
  if (mounts.some((m) => m.anonymous)) volumes(paths, (s) => s.removeAnonymous(mounts, rootless() ? requireRuntime() : undefined))
}

/** Unmounts a container's overlay directory and, with `remove`, deletes it. Idempotent. */
export function releaseOverlayDir(dir: string, remove: boolean): void {
  storeStatic((s) => s.overlayRelease(dir, remove, rootless() ? requireRuntime() : undefined))
}

/** The overlay directory a container's rootfs lies in, if it is one of ours. */
export function overlayDirOf(dataRoot: string, rootfs: string): string | undefined {
  return containers({dataRoot, runDir: ''}, (s) => s.overlayDir(rootfs)) ?? undefined
}

/** Releases `name` only if `id` still holds it. */
export function releaseName(dataRoot: string, name: string, id: string): void {
  containers({dataRoot, runDir: ''}, (s) => s.releaseName(name, id))
}

/** Releases container `id`'s `--userns=auto` block, if it has one. */
export function releaseAutoBlock(dataRoot: string, id: string): void {
  containers({dataRoot, runDir: ''}, (s) => s.releaseAutoBlock(id))
}
