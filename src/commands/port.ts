/**
 * `tsc-box port CONTAINER [PRIVATE_PORT[/PROTO]]`: a running container's published ports, as
 * docker prints them. bin/run.js normally hands it to the runtime's native front door; both
 * answer with crates/containers/src/port.rs.
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {portCommand, type PortBinding} from '../lifecycle/port'

export default class Port extends BaseCommand {
  static override summary = 'List port mappings or a specific mapping for the container'
  static override aliases = ['container:port']
  static override args = {
    container: Args.string({required: true, description: 'container name, id or id prefix'}),
    privatePort: Args.string({required: false, description: 'PRIVATE_PORT[/PROTO]'}),
  }
  static override flags = asOclifFlags(tableFlags('port'))

  async run(): Promise<PortBinding[]> {
    const {args, flags} = await this.parse(Port)
    const {text, bindings} = portCommand(args.container, args.privatePort, this.paths(flags.root as string | undefined))
    if (text !== '' && !this.jsonEnabled()) this.log(text)
    return bindings
  }
}
