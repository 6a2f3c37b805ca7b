/**
 * `tsc-box inspect [--type TYPE] NAME...`: docker's inspect documents of containers, images and
 * networks as one JSON array (docs/scripting.md). bin/run.js normally hands it to the runtime's
 * native front door; both print what crates/containers/src/inspect/ renders.
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {type InspectKind, inspectCommand} from '../lifecycle/inspect'

export default class Inspect extends BaseCommand {
  static override summary = 'Return low-level information on containers, images and networks'
  static override description =
    "Prints one JSON array of docker's documents (a container's Id, State, Config, HostConfig, NetworkSettings...; an image's RepoTags, Config, RootFS...; a network's IPAM, Containers...). --format takes a Go template, as docker does; a name that finds nothing is reported on stderr and the status is 1."
  static override aliases = ['container:inspect']
  static override strict = false
  static override args = {name: Args.string({required: true, description: 'container, image or network: name or ID'})}
  static override flags = asOclifFlags(tableFlags('inspect'))

  async run(): Promise<void> {
    const {flags, argv} = await this.parse(Inspect)
    const kind = (this.id === 'container:inspect' ? 'container' : flags.type) as InspectKind | undefined
    inspectCommand(argv as string[], {format: flags.format as string | undefined, kind, json: this.jsonEnabled()}, this.paths(flags.root as string | undefined))
  }
}
