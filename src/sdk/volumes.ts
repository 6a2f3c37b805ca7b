/** The SDK's volumes: the code of the `volume` commands (the store's VolumeStore through the binding). */
import {currentPathEnv, resolvePaths} from '../paths'
import {rootlessRuntime, volumes} from '../volume/store'
import {coded, TscBoxError} from './errors'
import type {VolumeCreated, VolumeInspect, VolumeLsEntry} from './json'
import {type CommandOptions, flagTokens} from './options'

export interface VolumeCreateOptions {
  /** Only `local`. */
  driver?: string
  labels?: Record<string, string>
  /** The local driver's `type`, `device` and `o` (docker's --opt KEY=VALUE). */
  options?: Record<string, string>
}

export class Volumes {
  /** @internal */
  constructor(private readonly root: string | undefined) {}

  private paths() {
    return resolvePaths(this.root, currentPathEnv())
  }

  /**
   * A named volume (`tsc-box volume create`; a random name without one); `run`'s `volume`
   * option mounts it (`['data:/var/lib/data']`).
   */
  create(name?: string, options: VolumeCreateOptions = {}): Promise<VolumeCreated> {
    return coded(() => {
      const spec = {name, driver: options.driver, labels: options.labels ?? {}, options: options.options ?? {}}
      return volumes(this.paths(), (s) => s.ensure(spec, undefined)).volume
    })
  }

  /** The volumes (`tsc-box volume ls --json`); `filter` as docker's. */
  list(options: Omit<CommandOptions<'volume:ls'>, 'format' | 'quiet'> = {}): Promise<VolumeLsEntry[]> {
    return coded(() => {
      flagTokens('volume:ls', options)
      return JSON.parse(volumes(this.paths(), (s) => s.ls({quiet: false, filters: options.filter ?? []}, true))) as VolumeLsEntry[]
    })
  }

  /** docker's document of one volume (`tsc-box volume inspect`). */
  inspect(name: string): Promise<VolumeInspect> {
    return coded(() => {
      const r = volumes(this.paths(), (s) => s.inspect([name], undefined))
      const failure = r.failures[0]
      if (failure) throw new TscBoxError(failure.code as never, failure.message)
      return (JSON.parse(r.output ?? '[]') as VolumeInspect[])[0] as VolumeInspect
    })
  }

  /** Removes volumes no container uses (`tsc-box volume rm`; `force` also those that are missing). */
  remove(names: string[], options: {force?: boolean} = {}): Promise<string[]> {
    return coded(() => {
      const r = volumes(this.paths(), (s) => s.remove(names, options.force === true, rootlessRuntime()))
      const failure = r.failures[0]
      if (failure) throw new TscBoxError(failure.code as never, failure.message)
      return r.removed
    })
  }
}
