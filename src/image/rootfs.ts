/**
 * A container's root filesystem over an image: an overlay of the image's unpacked layers (read
 * only, shared) and the container's own upper directory, under <data root>/overlay/<key>/.
 * Whoever mounts it releases it: unmounted after the container ran, removed with the container.
 * Where only the runtime can mount it (without root: inside the container's user namespace;
 * as root with --userns/--uidmap: over idmapped layers), the CLI prepares the directories and
 * names them in the annotation io.tsc-box.rootfs.overlay; the mount then lives in the
 * container's mount namespace only (driver `runtime`) and goes away with it.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {randomBytes} from '../container/id'
import {releaseOverlayDir} from '../container/remove'
import {callAsync, type ImageSummary} from './native'
import {overlaysRoot} from './store'

/** The annotation the runtime mounts the overlay from (crates/core/src/layers/plan.rs). */
export const OVERLAY_ANNOTATION = 'io.tsc-box.rootfs.overlay'

export interface RuntimeLayers {
  /** Topmost first. */
  lowerdir: string[]
  upperdir: string
  workdir: string
  copy: boolean
}

export interface ImageRootfs {
  dir: string
  merged: string
  driver: 'overlay' | 'copy' | 'runtime'
  /** With driver `runtime`: what the runtime mounts. */
  layers?: RuntimeLayers
}

/** `TSC_BOX_STORAGE_DRIVER=copy` skips overlayfs (like podman's vfs driver). */
function forceCopy(): boolean {
  return process.env.TSC_BOX_STORAGE_DRIVER === 'copy'
}

/** Where a container's overlay goes, chosen before anything of it exists. */
export interface PlannedRootfs {
  dir: string
  merged: string
}

/**
 * Chooses the container's overlay directory without making it: the container's record names
 * it first (src/container/bundle.ts), so that a `run` killed once the directory exists
 * always leaves a record that leads `rm` to it. The path is a real one: the runtime refuses
 * any reached through a symlink.
 */
export function planImageRootfs(dataRoot: string): PlannedRootfs {
  fs.mkdirSync(overlaysRoot(dataRoot), {recursive: true, mode: 0o700})
  const dir = path.join(fs.realpathSync(overlaysRoot(dataRoot)), randomBytes(8).toString('hex'))
  return {dir, merged: path.join(dir, 'merged')}
}

/**
 * Written first in an overlay directory: while it exists, rmi and prune keep `image` (read by
 * src/image/store.ts, and by crates/containers to mount it again and to name it in ps).
 */
export function claimImage(dir: string, image: {digest: string; id: string}, reference = image.digest): void {
  fs.writeFileSync(path.join(dir, 'image.json'), `${JSON.stringify({digest: image.digest, id: image.id, reference})}\n`)
}

/** `byRuntime`: only prepare the directories, for the runtime to mount (see the header). */
export async function mountImageRootfs(planned: PlannedRootfs, image: ImageSummary, reference: string, byRuntime = false): Promise<ImageRootfs> {
  const dir = planned.dir
  fs.mkdirSync(dir, {mode: 0o700})
  try {
    claimImage(dir, image, reference)
    const lower = image.layers.map((l) => l.path).reverse()
    const merged = planned.merged
    if (byRuntime) return prepareForRuntime(dir, lower)
    const driver = await callAsync((n) => n.rootfsMount(lower, path.join(dir, 'upper'), path.join(dir, 'work'), merged, forceCopy()))
    // A copy is the container's whole filesystem: it must never be mounted over later.
    fs.writeFileSync(path.join(dir, 'driver'), `${driver}\n`)
    if (driver === 'copy')
      process.stderr.write(
        `tsc-box: ${forceCopy() ? 'TSC_BOX_STORAGE_DRIVER=copy' : 'overlayfs was refused'}: the image's layers were copied for this container (slower, same result)\n`,
      )
    return {dir, merged, driver}
  } catch (e) {
    releaseOverlayDir(dir, true)
    throw e
  }
}

function prepareForRuntime(dir: string, lower: string[]): ImageRootfs {
  const layers: RuntimeLayers = {
    lowerdir: lower.map((l) => fs.realpathSync(l)),
    upperdir: path.join(dir, 'upper'),
    workdir: path.join(dir, 'work'),
    copy: forceCopy(),
  }
  const merged = path.join(dir, 'merged')
  for (const d of [layers.upperdir, layers.workdir, merged]) fs.mkdirSync(d, {mode: 0o755})
  fs.writeFileSync(path.join(dir, 'driver'), 'runtime\n')
  if (layers.copy) process.stderr.write(`tsc-box: TSC_BOX_STORAGE_DRIVER=copy: the image's layers are copied for this container (slower, same result)\n`)
  return {dir, merged, driver: 'runtime', layers}
}

/** Unmounts; with `remove`, deletes the container's upper layer too (crates/containers). */
export {releaseOverlayDir}

export function isMountPoint(p: string): boolean {
  try {
    return fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === p)
  } catch {
    return false
  }
}

/**
 * Before a container's files are reached while it is stopped (`cp`), its overlay is mounted
 * again over the same upper layer if it is not mounted (crates/containers/src/start.rs, what
 * `start` does too).
 */
export async function ensureContainerRootfs(dataRoot: string, containerDir: string): Promise<void> {
  await callAsync((n) => n.containerEnsureRootfs(dataRoot, containerDir))
}
