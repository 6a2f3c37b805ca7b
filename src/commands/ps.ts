/**
 * `tsc-box ps [-a] [-q] [--filter K=V] [--format T] [--no-trunc] [--json]`: the containers.
 * --json prints an array of {id, name, command, created, state, status, exitCode, pid,
 * restartCount}; state is created|running|paused|restarting|exited|dead (dead: its creation was
 * killed; only `rm` applies); exitCode is null when not known. bin/run.js normally hands ps to
 * the runtime's native front door; this command (oclif's help, and hosts without a built
 * runtime) prints what the same Rust code (crates/containers/src/ps.rs) renders.
 */
import action from '../actions/ps'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Ps extends BaseCommand {
  static override summary = 'List containers'
  static override description =
    'With --json: an array of {id, name, command, created, state (created|running|paused|restarting|exited|dead), status, exitCode (null when not known), pid, restartCount}.'
  static override aliases = tableAliases('ps')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('ps'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
