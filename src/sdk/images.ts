/**
 * The SDK's images: the code of `pull`, `load`, `save`, `images`, `rmi`, `tag`,
 * `image from-host` and `build` (src/image, src/build, crates/image through the binding).
 */
import * as path from 'node:path'
import {Builder, type BuildEvent, type BuildResult} from '../build/builder'
import {currentPathEnv, resolvePaths} from '../paths'
import {type ArchiveFormat, saveArchive} from '../image/archive'
import {resolveHostBinary} from '../image/host'
import {imagesCommand} from '../image/list'
import {loadCommand} from '../image/load-command'
import {call, callAsync} from '../image/native'
import {normalizeReference} from '../image/reference'
import {parsePlatform} from '../image/registry/platform'
import type {Progress} from '../image/registry/progress'
import {pull} from '../image/registry/pull'
import {push} from '../image/registry/push'
import {collect, collectionFailed, removeImage} from '../image/remove'
import {imagesRoot, requireImage} from '../image/store'
import {coded, TscBoxError} from './errors'
import {inspectOne} from './inspect'
import type {ImageInspect, ImageSummary, ImagesEntry, LoadEntry, PullResult, PushJson, RmiEvent, TagResult} from './json'
import type {CommandOptions} from './options'
import {flagTokens} from './options'

/** What a pull reports as it goes, blob by blob. */
export type PullProgress =
  | {type: 'start'; digest: string; size: number}
  | {type: 'progress'; digest: string; bytes: number; size: number}
  | {type: 'done'; digest: string; skipped: boolean}

export type PullOptions = Omit<CommandOptions<'pull'>, 'quiet'> & {
  /** Called for each blob's start, progress and end. */
  onProgress?: (e: PullProgress) => void
}

export type PushOptions = Omit<CommandOptions<'push'>, 'quiet'> & {
  /** Called for each blob's start, progress and end. */
  onProgress?: (e: PullProgress) => void
}

export type ListImagesOptions = Omit<CommandOptions<'images'>, 'format' | 'quiet'>

export interface BuildOptions {
  /** The Dockerfile (default CONTEXT/Dockerfile, else CONTEXT/Containerfile). */
  file?: string
  /** Its text instead of a file. */
  dockerfile?: string
  tags?: string[]
  buildArgs?: Record<string, string>
  target?: string
  noCache?: boolean
  /** When to pull base images (default missing). */
  pull?: 'always' | 'missing' | 'never'
  network?: string
  labels?: Record<string, string>
  platform?: string
  /** SOURCE_DATE_EPOCH: layer times clamped, `created` fixed. */
  timestamp?: number
  /** id → file, for RUN --mount=type=secret. */
  secrets?: Record<string, string>
  addHost?: string[]
  /** Each step, cache hit, output line and warning as it happens. */
  onEvent?: (e: BuildEvent) => void
}

function progressOf(emit: ((e: PullProgress) => void) | undefined): Progress {
  return {
    start(digest, size) {
      emit?.({type: 'start', digest, size})
      let bytes = 0
      return (n) => {
        bytes += n
        emit?.({type: 'progress', digest, bytes, size})
      }
    },
    done: (digest, skipped) => emit?.({type: 'done', digest, skipped}),
    finish: () => undefined,
  }
}

export class Images {
  /** @internal */
  constructor(private readonly root: string | undefined) {}

  private dataRoot(): string {
    return resolvePaths(this.root, currentPathEnv()).dataRoot
  }

  /**
   * Pulls `reference` from its registry (`tsc-box pull`).
   *
   * @example
   * ```ts
   * await box.images.pull('localhost:5000/app:1', {tlsVerify: 'false', onProgress: (e) => e.type === 'done' && console.log(e.digest)})
   * ```
   */
  pull(reference: string, options: PullOptions = {}): Promise<PullResult> {
    return coded(async () => {
      const {onProgress, ...flags} = options
      flagTokens('pull', flags)
      const tls = flags.tlsVerify
      const r = await pull(reference, {
        dataRoot: this.dataRoot(),
        tlsVerify: tls === undefined ? undefined : tls === 'true',
        platform: parsePlatform(flags.platform),
        progress: progressOf(onProgress),
      })
      return {id: r.image.id, digest: r.image.digest, reference: r.reference}
    })
  }

  /** Pushes `image` to its registry, or to `destination` (`tsc-box push IMAGE [DESTINATION]`). */
  push(image: string, destination?: string, options: PushOptions = {}): Promise<PushJson> {
    return coded(() => {
      const {onProgress, ...flags} = options
      flagTokens('push', flags)
      const tls = flags.tlsVerify
      return push(image, destination, {dataRoot: this.dataRoot(), tlsVerify: tls === undefined ? undefined : tls === 'true', progress: progressOf(onProgress)})
    })
  }

  /** docker's inspect document of one image (`tsc-box image inspect`). */
  inspect(image: string): Promise<ImageInspect> {
    return coded(() => inspectOne<ImageInspect>(resolvePaths(this.root, currentPathEnv()), 'image', image))
  }

  /** Loads the images of an OCI or docker archive file (`tsc-box load -i FILE`). */
  load(file: string): Promise<LoadEntry[]> {
    return coded(async () => (await loadCommand(this.dataRoot(), file, false)).map((r) => ({id: r.id, digest: r.digest, references: r.references})))
  }

  /** Writes `images` to an archive file (`tsc-box save -o FILE`; OCI layout unless `format` says docker-archive). */
  save(images: string[], file: string, options: {format?: ArchiveFormat} = {}): Promise<{file: string; format: ArchiveFormat; images: string[]}> {
    return coded(async () => {
      const format = options.format ?? 'oci-archive'
      const saved = await saveArchive(this.dataRoot(), images, file, format)
      return {file, format, images: saved.map((i) => i.id)}
    })
  }

  /** The images (`tsc-box images --json`); `filter` as docker's. */
  list(options: ListImagesOptions = {}): Promise<ImagesEntry[]> {
    return coded(() => {
      flagTokens('images', options)
      const paths = resolvePaths(this.root, currentPathEnv())
      return JSON.parse(imagesCommand({...options, 'no-trunc': options.noTrunc}, paths, true) ?? '[]') as ImagesEntry[]
    })
  }

  /** Untags, or removes once its last reference goes, as `tsc-box rmi` (refused while a container uses it). */
  remove(image: string, options: {force?: boolean} = {}): Promise<RmiEvent[]> {
    return coded(async () => {
      const dataRoot = this.dataRoot()
      const events = removeImage(dataRoot, image, options.force === true)
      if (events.some((e) => e.deleted)) {
        const gc = await collect(dataRoot)
        if (gc.failures.length > 0) throw collectionFailed(gc.failures)
      }
      return events
    })
  }

  /** Another reference `target` to the image `source` (`tsc-box tag`). */
  tag(source: string, target: string): Promise<TagResult> {
    return coded(() => {
      const dataRoot = this.dataRoot()
      const image = requireImage(dataRoot, source)
      const reference = normalizeReference(target)
      if (reference.includes('@')) throw new TscBoxError('invalid_reference', `a tag cannot contain a digest: ${target}`)
      call((n) => n.imageTag(imagesRoot(dataRoot), image.digest, reference))
      return {id: image.id, digest: image.digest, reference}
    })
  }

  /**
   * An image `name` of host binaries and their shared libraries (`tsc-box image from-host`);
   * its entrypoint is the first binary.
   *
   * @example
   * ```ts
   * await box.images.fromHost('localhost/tools:1', ['/bin/sh', 'cat'])
   * ```
   */
  fromHost(name: string, binaries: string[], options: {add?: string[]} = {}): Promise<ImageSummary> {
    return coded(async () => {
      const reference = normalizeReference(name)
      if (binaries.length === 0) throw new TscBoxError('invalid_usage', 'from-host needs at least one binary')
      const files = binaries.map((b) => resolveHostBinary(b))
      const add = (options.add ?? []).map((p) => path.resolve(p))
      return callAsync((n) => n.imageFromHost(imagesRoot(this.dataRoot()), files, add, [reference]))
    })
  }

  /** Builds `context` (a directory) as `tsc-box build` does. */
  build(context: string, options: BuildOptions = {}): Promise<BuildResult> {
    return coded(() => {
      const builder = new Builder(
        {
          root: this.root,
          context,
          file: options.file,
          dockerfileText: options.dockerfile,
          tags: options.tags ?? [],
          buildArgs: new Map(Object.entries(options.buildArgs ?? {})),
          target: options.target,
          noCache: options.noCache === true,
          pull: options.pull ?? 'missing',
          network: options.network,
          labels: options.labels ?? {},
          quiet: true,
          json: true,
          platform: options.platform,
          epoch: options.timestamp,
          secrets: new Map(Object.entries(options.secrets ?? {}).map(([id, f]) => [id, path.resolve(f)])),
          addHosts: options.addHost ?? [],
        },
        (e) => options.onEvent?.(e),
      )
      return builder.build()
    })
  }
}
