/**
 * `tsc-box ps [-a] [-q] [--filter K=V] [--format T] [--no-trunc] [--json]`: the containers.
 * --json prints an array of {id, name, command, created, state, status, exitCode, pid,
 * restartCount}; state is created|running|paused|restarting|exited|dead (dead: its creation was
 * killed; only `rm` applies); exitCode is null when not known. bin/run.js normally hands ps to
 * the runtime's native front door; this command (oclif's help, and hosts without a built
 * runtime) prints what the same Rust code (crates/containers/src/ps.rs) renders.
 */
import {defineAction} from '../cli/action'
import type {PsEntry} from '../lifecycle/format'
import {type PsFlags, psCommand} from '../lifecycle/ps'

export default defineAction({
  async run(cmd): Promise<PsEntry[] | undefined> {
    const {flags} = cmd
    const out = psCommand(flags as PsFlags, cmd.paths(), cmd.json)
    if (cmd.json) return JSON.parse(out ?? '[]') as PsEntry[]
    if (out !== null) cmd.log(out)
    return undefined
  },
})
