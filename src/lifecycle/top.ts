/** The processes of a container, from its cgroup (the runtime lists the pids) and /proc. */
import * as fs from 'node:fs'
import {CliError} from '../errors'
import type {Paths} from '../paths'
import {runtimeCall, runtimeMessage} from './runtime'
import type {ContainerView} from './state'

export interface TopEntry {
  pid: number
  ppid: number
  uid: number
  /** CPU time used, seconds. */
  time: number
  command: string
}

const TICKS = 100 // USER_HZ on Linux

function procEntry(pid: number): TopEntry | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1)
    let command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ')
    if (command === '') command = `[${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}]`
    return {pid, ppid: Number(f[1]), uid, time: (Number(f[11]) + Number(f[12])) / TICKS, command}
  } catch {
    return undefined // exited while we looked
  }
}

export function topOf(runtime: string, paths: Paths, v: ContainerView): TopEntry[] {
  if (v.state !== 'running' && v.state !== 'paused') throw new CliError('container_not_running', `container ${v.id.slice(0, 12)} is not running`, 1)
  const r = runtimeCall(runtime, paths, ['ps', '--format', 'json', v.id])
  if (r.status !== 0) throw new CliError('top_failed', runtimeMessage(r), 1)
  const pids = JSON.parse(r.stdout) as number[]
  return pids.map(procEntry).filter((e): e is TopEntry => e !== undefined)
}

export function formatTime(secs: number): string {
  const s = Math.floor(secs)
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}
