/**
 * `tsc-box inspect [--type TYPE] NAME...`: docker's inspect documents of containers, images and
 * networks as one JSON array (docs/scripting.md). bin/run.js normally hands it to the runtime's
 * native front door; both print what crates/containers/src/inspect/ renders.
 */
import action from '../actions/inspect'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Inspect extends BaseCommand {
  static override summary = 'Return low-level information on containers, images and networks'
  static override description =
    "Prints one JSON array of docker's documents (a container's Id, State, Config, HostConfig, NetworkSettings...; an image's RepoTags, Config, RootFS...; a network's IPAM, Containers...). --format takes a Go template, as docker does; a name that finds nothing is reported on stderr and the status is 1."
  static override aliases = tableAliases('inspect')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('inspect'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
