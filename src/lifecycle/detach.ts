/**
 * `run -d` and `create`: the container's files are written by `run`; here the container is
 * handed to a monitor (or, for `create`, left to a later `start`). With `--rm` the monitor
 * calls `tsc-box rm` when the container has ended.
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
  // As docker: a container that removes itself when it ends cannot also be restarted then.
  if (d.rm && d.restart !== 'no') throw new CliError('conflicting_options', 'conflicting options: --restart and --rm')
  saveSettings(d.dir, {restart: d.restart, rm: d.rm})
  if (d.start) await launchDetached({runtime: d.runtime, paths: d.paths, id: d.id, dir: d.dir, runtimeLog: d.runtimeLog, restart: d.restart, rm: d.rm})
}
