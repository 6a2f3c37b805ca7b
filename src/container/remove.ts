/**
 * Removing containers and what they hold is the store's (crates/containers/src/remove.rs),
 * shared with the runtime's native `rm`: this is its door for the TypeScript commands. The
 * binding spawns the runtime for kill/delete/resume; a rootless caller also gives its id maps,
 * for trees holding files of its subordinate ids (removed by `tsc-box-runtime remove-tree`).
 */
import type {Paths} from '../paths'
import {requireRuntime} from '../runtime/locate'
import {rootlessMapArgs} from './rootless-maps'
import {store} from './store'

function rootless(): boolean {
  return (process.getuid?.() ?? 0) !== 0
}

function treeMaps(): string[] {
  return rootless() ? rootlessMapArgs() : []
}

/** `rm [-f]`: processes (with force), runtime state, writable layer, directory, name, block. */
export function removeContainerFully(runtime: string, paths: Paths, id: string, force: boolean): void {
  store((n) => n.containerRemove(runtime, paths.dataRoot, paths.runDir, id, force, treeMaps()))
}

/** What `run`/`create` made for a container the runtime holds nothing of. */
export function removeContainerFiles(dataRoot: string, id: string, name: string): void {
  store((n) => n.containerRemoveFiles(dataRoot, id, name, rootless() ? requireRuntime() : undefined, treeMaps()))
}

/** Unmounts a container's overlay directory and, with `remove`, deletes it. Idempotent. */
export function releaseOverlayDir(dir: string, remove: boolean): void {
  store((n) => n.overlayRelease(dir, remove, rootless() ? requireRuntime() : undefined, treeMaps()))
}

/** The overlay directory a container's rootfs lies in, if it is one of ours. */
export function overlayDirOf(dataRoot: string, rootfs: string): string | undefined {
  return store((n) => n.containerOverlayDir(dataRoot, rootfs)) ?? undefined
}

/** Releases `name` only if `id` still holds it. */
export function releaseName(dataRoot: string, name: string, id: string): void {
  store((n) => n.containerReleaseName(dataRoot, name, id))
}

/** Releases container `id`'s `--userns=auto` block, if it has one. */
export function releaseAutoBlock(dataRoot: string, id: string): void {
  store((n) => n.containerReleaseAutoBlock(dataRoot, id))
}
