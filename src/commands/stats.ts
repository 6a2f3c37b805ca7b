/**
 * `tsc-box stats [--no-stream] [-a] [ID...]`: live CPU %, memory use/limit and pids of
 * running containers. --json (implies one reading): [{id, name, cpuPercent, memoryUsage,
 * memoryLimit, memoryPercent, pids}] (bytes).
 */
import action from '../actions/stats'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Stats extends BaseCommand {
  static override summary = 'Display a live stream of container resource usage statistics'
  static override description =
    'CPU % is of one CPU (200% = two busy CPUs): over the last second while streaming, since the container started with --no-stream or --json (one reading, at once, as podman gives first). With --json: an array of {id, name, cpuPercent, memoryUsage, memoryLimit, memoryPercent, pids}, sizes in bytes.'
  static override aliases = tableAliases('stats')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('stats'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
