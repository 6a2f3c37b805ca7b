/**
 * `import {TscBox} from 'tsc-box'`: the engine inside a Node program. Every method runs the
 * code the command of the same name runs (no `tsc-box` process is started; the runtime binary
 * is, for each container, as the command line starts it), and fails with a TscBoxError that
 * carries the error contract's stable `code`.
 *
 * @example
 * ```ts
 * import {TscBox} from 'tsc-box'
 *
 * const box = new TscBox({root: '/var/lib/my-app/containers'})
 * const r = await box.run('host:/bin/sh', ['-c', 'echo hello'], {rm: true})
 * console.log(r.exitCode, r.stdout.toString())
 * ```
 */
import * as path from 'node:path'
import {Containers, type RunOptions, type RunOutput} from './containers'
import {TscBoxError} from './errors'
import {Images} from './images'
import {Networks} from './networks'
import {Volumes} from './volumes'

export interface TscBoxOptions {
  /**
   * The data root (the command line's --root): containers, images and volumes. Default as the
   * command line's: $TSC_BOX_ROOT, else /var/lib/tsc-box for root and
   * $XDG_DATA_HOME/tsc-box without.
   */
  root?: string
  /**
   * The tsc-box-runtime binary. Default: $TSC_BOX_RUNTIME, else the checkout's build or the
   * installed platform package's. It is one per process (the monitors of detached containers
   * and the commands they call back find it by $TSC_BOX_RUNTIME, which this sets).
   */
  runtime?: string
}

/** The engine: `containers`, `images`, `networks`, `volumes`; `run` is `containers.run`. */
export class TscBox {
  readonly root: string | undefined
  readonly containers: Containers
  readonly images: Images
  readonly networks: Networks
  readonly volumes: Volumes

  constructor(options: TscBoxOptions = {}) {
    this.root = options.root ?? process.env.TSC_BOX_ROOT
    if (options.runtime !== undefined) {
      const wanted = path.resolve(options.runtime)
      const current = process.env.TSC_BOX_RUNTIME
      if (current !== undefined && current !== '' && path.resolve(current) !== wanted)
        throw new TscBoxError('invalid_usage', `this process already uses the runtime ${current}: one runtime per process`)
      process.env.TSC_BOX_RUNTIME = wanted
    }
    this.containers = new Containers(this.root)
    this.images = new Images(this.root)
    this.networks = new Networks()
    this.volumes = new Volumes(this.root)
  }

  /**
   * `containers.run`: `cmd` in a new container of `image`, resolving once it has ended with
   * `{id, exitCode, stdout, stderr, oomKilled}`.
   *
   * @example
   * ```ts
   * const {exitCode, stdout} = await box.run('host:/bin/echo', ['hi'], {rm: true, memory: '64m'})
   * ```
   */
  run(image: string, cmd: string[] = [], options: RunOptions = {}): Promise<RunOutput> {
    return this.containers.run(image, cmd, options)
  }
}

export type {BuildEvent} from '../build/builder'
export type {ErrorCode} from '../generated/error-codes'
export type {
  Containers,
  ExecOptions,
  ExecOutput,
  KillOptions,
  ListOptions,
  LogsOptions,
  RemoveOptions,
  RunOptions,
  RunOutput,
  StdioOptions,
  StopOptions,
} from './containers'
export {TscBoxError} from './errors'
export type {BuildOptions, Images, ListImagesOptions, PullOptions, PullProgress, PushOptions} from './images'
export type * from './json'
export {JSON_SHAPES} from './json'
export type {NetworkCreateOptions, Networks} from './networks'
export type {CamelCase, CommandOptions} from './options'
export type {TableFlags} from './generated/flags'
export type {VolumeCreateOptions, Volumes} from './volumes'
