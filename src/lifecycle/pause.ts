/** pause/unpause: the runtime freezes or thaws the cgroup; a marker file lets `ps` say "Paused". */
import * as fs from 'node:fs'
import {CliError} from '../errors'
import type {Paths} from '../paths'
import {lifecycleFiles} from './files'
import {runtimeCall, runtimeMessage} from './runtime'
import type {ContainerView} from './state'

export function setPaused(runtime: string, paths: Paths, v: ContainerView, pause: boolean): void {
  if (pause && v.state !== 'running') throw new CliError('container_not_running', `container ${v.id.slice(0, 12)} is not running`, 1)
  if (!pause && v.state !== 'paused') throw new CliError('container_not_paused', `container ${v.id.slice(0, 12)} is not paused`, 1)
  const r = runtimeCall(runtime, paths, [pause ? 'pause' : 'resume', v.id])
  if (r.status !== 0) throw new CliError(pause ? 'pause_failed' : 'unpause_failed', runtimeMessage(r), 1)
  const marker = lifecycleFiles(v.dir).paused
  if (pause) fs.writeFileSync(marker, '')
  else fs.rmSync(marker, {force: true})
}
