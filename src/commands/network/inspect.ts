/**
 * `tsc-box network inspect NAME...`: docker's network documents (crates/containers/src/inspect/
 * network.rs) as one JSON array, or --format per network. `--json` keeps tsc-box's own
 * documented shape (the definition with its members' addresses and ports), as `ps --json` does.
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {inspectCommand} from '../../lifecycle/inspect'
import {inspectNetwork, type NetworkInspect} from '../../network/admin'

export default class NetworkInspectCommand extends BaseCommand {
  static override summary = 'Display detailed information on one or more networks'
  static override strict = false
  static override args = {name: Args.string({required: true, description: 'network name or ID; more may follow'})}
  static override flags = asOclifFlags(tableFlags('network:inspect'))

  async run(): Promise<NetworkInspect[] | undefined> {
    const {argv, flags} = await this.parse(NetworkInspectCommand)
    if (this.jsonEnabled()) return (argv as string[]).map(inspectNetwork)
    inspectCommand(argv as string[], {format: flags.format as string | undefined, kind: 'network', json: false}, this.paths(flags.root as string | undefined))
    return undefined
  }
}
