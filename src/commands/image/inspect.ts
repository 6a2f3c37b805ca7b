/** `tsc-box image inspect IMAGE...`: docker's image documents (crates/image/src/inspect.rs) as one JSON array. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {inspectCommand} from '../../lifecycle/inspect'

export default class ImageInspectCommand extends BaseCommand {
  static override summary = 'Display detailed information on one or more images'
  static override strict = false
  static override args = {image: Args.string({required: true, description: 'image reference, ID or digest; more may follow'})}
  static override flags = asOclifFlags(tableFlags('image:inspect'))

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ImageInspectCommand)
    inspectCommand(
      argv as string[],
      {format: flags.format as string | undefined, kind: 'image', json: this.jsonEnabled()},
      this.paths(flags.root as string | undefined),
    )
  }
}
