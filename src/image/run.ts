/**
 * `tsc-box run IMAGE [CMD...]`: finds the image (or builds a `host:` one), plans the
 * container's overlay over its layers (mounted once the container's record names it), and turns the image config into the flags and command
 * the rest of `run` already understands (the image's values first, the user's flags win).
 */
import {CliError} from '../errors'
import type {Spec} from '../oci/spec'
import {currentPathEnv, resolvePaths} from '../paths'
import {containerArgs, parseImageConfig, type ImageRunConfig} from './config'
import {HOST_PREFIX, hostImage} from './host'
import {call, type ImageSummary} from './native'
import {looksLikeId, normalizeReference} from './reference'
import {mountImageRootfs, OVERLAY_ANNOTATION, planImageRootfs, releaseOverlayDir, type ImageRootfs, type PlannedRootfs} from './rootfs'
import {findImage, imagesRoot} from './store'

/** The run flags this module reads and rewrites. */
export interface ImageRunFlags {
  root?: string
  rootfs?: string
  entrypoint?: string
  env: string[]
  workdir?: string
  user?: string
  userns?: string
  uidmap?: unknown[]
  gidmap?: unknown[]
  /** docker's --pull: always, missing (the default) or never. */
  pull?: string
  quiet?: boolean
  json?: boolean
}

/**
 * Whether only the runtime can mount the overlay: without root (inside the container's user
 * namespace), and as root when the container gets a user namespace (over idmapped layers;
 * the copy driver keeps the CLI's copy, which the runtime shows through an idmapped mount).
 */
function mountedByRuntime(flags: ImageRunFlags): boolean {
  if ((process.getuid?.() ?? 0) !== 0) return true
  if (process.env.TSC_BOX_STORAGE_DRIVER === 'copy') return false
  return (flags.userns !== undefined && flags.userns !== 'host') || (flags.uidmap?.length ?? 0) > 0 || (flags.gidmap?.length ?? 0) > 0
}

export interface PreparedImage<F> {
  flags: F
  positionals: string[]
  image: ImageSummary
  reference: string
  config: ImageRunConfig
  /** Where the overlay will be (`flags.rootfs` is its merged directory). */
  planned: PlannedRootfs
  /** Set by `mount`. */
  rootfs?: ImageRootfs
  /**
   * Makes and mounts the overlay; `run` calls it once the container's record names it. A
   * failure leaves nothing of it.
   */
  mount(): Promise<ImageRootfs>
  /** Unmounts the overlay; with `remove` the container's upper layer goes too. Idempotent. */
  release(remove: boolean): void
}

/**
 * The image to run, pulled first as docker's --pull says: `missing` (the default) pulls what
 * the store lacks, `always` pulls every time (the registry decides whether anything changed),
 * `never` only looks in the store. `host:` images are made here and never pulled.
 */
async function resolveImage(dataRoot: string, name: string, flags: ImageRunFlags): Promise<{image: ImageSummary; reference: string}> {
  if (name.startsWith(HOST_PREFIX)) return hostImage(dataRoot, name)
  const policy = flags.pull ?? 'missing'
  const local = policy === 'always' ? undefined : findImage(dataRoot, name)
  if (local) return {image: local, reference: referenceOf(name)}
  if (policy === 'never' || looksLikeId(name)) {
    throw new CliError(
      'image_not_found',
      `unable to find image '${name}' locally (pull it with 'tsc-box pull ${name}', load it with 'tsc-box load -i FILE', or use host:/path/to/binary)`,
    )
  }
  const quiet = Boolean(flags.quiet || flags.json)
  if (policy === 'missing' && !quiet) process.stderr.write(`Unable to find image '${name}' locally\n`)
  // The registry client is loaded only by the runs that pull.
  const {pullCommand} = await import('./pull-command')
  const pulled = await pullCommand(name, dataRoot, {quiet}, quiet)
  const image = findImage(dataRoot, pulled.reference)
  if (!image) throw new CliError('image_not_found', `the image pulled as ${pulled.reference} is not in the store`)
  return {image, reference: pulled.reference}
}

function referenceOf(name: string): string {
  try {
    return normalizeReference(name)
  } catch {
    return name // an ID
  }
}

/**
 * Returns undefined when the run is not from an image (--rootfs, or nothing given: the
 * caller's own validation reports that).
 */
export async function prepareImageRun<F extends ImageRunFlags>(flags: F, positionals: string[]): Promise<PreparedImage<F> | undefined> {
  if (flags.rootfs !== undefined || positionals.length === 0) return undefined
  const {dataRoot} = resolvePaths(flags.root, currentPathEnv())
  const {image, reference} = await resolveImage(dataRoot, positionals[0], flags)
  const config = parseImageConfig(call((n) => n.imageInspect(imagesRoot(dataRoot), image.digest)).config)
  const args = containerArgs(config, flags.entrypoint, positionals.slice(1))
  const planned = planImageRootfs(dataRoot)
  const byRuntime = mountedByRuntime(flags)
  const prepared: PreparedImage<F> = {
    flags: {
      ...flags,
      rootfs: planned.merged,
      entrypoint: undefined,
      env: [...config.env, ...flags.env],
      workdir: flags.workdir ?? config.workingDir,
      user: flags.user ?? config.user,
    },
    positionals: args,
    image,
    reference,
    config,
    planned,
    mount: async () => (prepared.rootfs = await mountImageRootfs(planned, image, reference, byRuntime)),
    release: (remove: boolean) => releaseOverlayDir(planned.dir, remove),
  }
  return prepared
}

/**
 * The image's labels become annotations of the container's spec, with its name and digest. An
 * image is hostile input: its labels never set tsc-box's own annotations (a label naming
 * io.tsc-box.rootfs.overlay would otherwise choose the layers the runtime mounts).
 */
export function applyImage(spec: Spec, prepared: PreparedImage<unknown> | undefined): void {
  if (!prepared) return
  const labels = Object.fromEntries(Object.entries(prepared.config.labels).filter(([k]) => !k.startsWith('io.tsc-box.')))
  spec.annotations = {
    ...labels,
    ...spec.annotations,
    'org.opencontainers.image.ref.name': prepared.reference,
    'io.tsc-box.image.digest': prepared.image.digest,
    'io.tsc-box.image.id': prepared.image.id,
  }
  if (prepared.rootfs?.layers) spec.annotations[OVERLAY_ANNOTATION] = JSON.stringify(prepared.rootfs.layers)
}
