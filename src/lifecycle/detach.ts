/**
 * `run -d` and `create`: the container's files are written by `run`; here the container is
 * handed to a monitor (or, for `create`, left to a later `start`).
 */
import {CliError} from '../errors'
import type {Paths} from '../paths'
import {launchDetached, saveSettings} from './ops'

export interface DetachedRun {
  rm: boolean
  restart: string
  start: boolean
  runtime: string
  paths: Paths
  id: string
  dir: string
  runtimeLog: string
}

export async function startDetachedRun(d: DetachedRun): Promise<void> {
  if (d.rm) throw new CliError('unsupported_flag', '--rm with -d or create is not supported: remove the container with `tsc-box rm` when it is done')
  saveSettings(d.dir, {restart: d.restart})
  if (d.start) await launchDetached({runtime: d.runtime, paths: d.paths, id: d.id, dir: d.dir, runtimeLog: d.runtimeLog, restart: d.restart})
}
