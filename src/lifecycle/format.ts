/** Human and JSON shapes of containers for ps/inspect (the JSON shapes are the stable API). */
import {timeAgo} from '../image/format'
import type {ContainerView} from './state'

function since(iso: string | null, now: number): string {
  return timeAgo(iso, now).replace(/ ago$/, '')
}

/**
 * docker's STATUS column: "Up 5 seconds", "Exited (0) 3 minutes ago", "Created", "Dead". An
 * exit status nobody recorded (the `run` waiting for it was killed) reads "unknown", never 0.
 */
export function statusText(v: ContainerView, now = Date.now()): string {
  const code = v.exitCode ?? 'unknown'
  switch (v.state) {
    case 'created':
      return 'Created'
    case 'running':
      return `Up ${since(v.startedAt, now)}`
    case 'paused':
      return `Up ${since(v.startedAt, now)} (Paused)`
    case 'restarting':
      return `Restarting (${code}) ${timeAgo(v.finishedAt, now)}`
    case 'exited':
      return v.finishedAt ? `Exited (${code}) ${timeAgo(v.finishedAt, now)}` : `Exited (${code})`
    case 'dead':
      return 'Dead'
  }
}

/** One `ps --json` entry. */
export interface PsEntry {
  id: string
  name: string
  command: string[]
  created: string
  state: ContainerView['state']
  status: string
  exitCode: number | null
  pid: number
  restartCount: number
}

export function psEntry(v: ContainerView, now = Date.now()): PsEntry {
  return {
    id: v.id,
    name: v.name,
    command: v.command,
    created: v.created,
    state: v.state,
    status: statusText(v, now),
    exitCode: v.exitCode,
    pid: v.pid,
    restartCount: v.restartCount,
  }
}

/** One `inspect` document: docker's field names for what tsc-box knows. */
export function inspectDoc(v: ContainerView, logPath: string): Record<string, unknown> {
  return {
    Id: v.id,
    Name: v.name,
    Created: v.created,
    Path: v.command[0] ?? '',
    Args: v.command.slice(1),
    State: {
      Status: v.state,
      Running: v.state === 'running' || v.state === 'paused',
      Paused: v.state === 'paused',
      Restarting: v.state === 'restarting',
      OOMKilled: v.oomKilled,
      Dead: v.state === 'dead',
      Pid: v.pid,
      // docker's 0 while it has not ended; null when it ended and nobody recorded how (the
      // `run` waiting for it was killed), never a made-up 0.
      ExitCode: v.exitCode ?? (v.state === 'exited' || v.state === 'dead' ? null : 0),
      StartedAt: v.startedAt,
      FinishedAt: v.finishedAt,
    },
    RestartCount: v.restartCount,
    HostConfig: {RestartPolicy: {Name: v.restartPolicy.split(':')[0], MaximumRetryCount: Number(v.restartPolicy.split(':')[1] ?? 0)}},
    Rootfs: v.rootfs,
    LogPath: logPath,
    BundlePath: v.dir,
  }
}

/** `ps --format '{{.ID}} {{.Names}}'`: docker's Go-template placeholders, plain substitution. */
export function applyTemplate(template: string, v: ContainerView, noTrunc: boolean, now = Date.now()): string {
  const fields: Record<string, string> = {
    ID: noTrunc ? v.id : v.id.slice(0, 12),
    Names: v.name,
    Command: JSON.stringify(v.command.join(' ')),
    CreatedAt: v.created,
    RunningFor: timeAgo(v.created, now),
    Status: statusText(v, now),
    State: v.state,
    Image: v.rootfs,
  }
  return template.replace(/\\t/g, '\t').replace(/\{\{\s*\.(\w+)\s*\}\}/g, (m, k: string) => fields[k] ?? m)
}

/** `--filter key=value`: status, name (substring), id (prefix), exited (status code). */
export function matchesFilters(v: ContainerView, filters: string[]): boolean {
  const byKey = new Map<string, string[]>()
  for (const f of filters) {
    const eq = f.indexOf('=')
    const [k, val] = eq === -1 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)]
    byKey.set(k, [...(byKey.get(k) ?? []), val])
  }
  // Values of one key are alternatives; keys must all match (docker's rule).
  for (const [k, vals] of byKey) {
    const ok = vals.some((val) => {
      if (k === 'status') return v.state === val
      if (k === 'name') return v.name.includes(val)
      if (k === 'id') return v.id.startsWith(val)
      if (k === 'exited') return v.state === 'exited' && String(v.exitCode) === val
      return false
    })
    if (!ok) return false
  }
  return true
}

export const FILTER_KEYS = ['status', 'name', 'id', 'exited']
