/** JSON shapes of containers for ps/inspect (the stable API); ps's output is rendered in Rust (crates/containers/src/ps.rs). */
import type {ContainerView} from './state'

/** One `ps --json` entry (rendered by crates/containers/src/ps.rs). */
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
