/** `tsc-box pull REF`: an image from a registry (OCI distribution API). */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {pullCommand, type PullFlags} from '../image/pull-command'

export default class Pull extends BaseCommand {
  static override summary = 'Pull an image from a registry'
  static override aliases = ['image:pull']
  static override args = {image: Args.string({required: true, description: 'image reference, e.g. localhost:5000/app:1 or busybox@sha256:...'})}
  static override flags = asOclifFlags(tableFlags('pull'))

  async run(): Promise<{id: string; digest: string; reference: string}> {
    const {args, flags} = await this.parse(Pull)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const {line, ...result} = await pullCommand(args.image, dataRoot, flags as PullFlags, this.jsonEnabled())
    if (!this.jsonEnabled()) this.log(line)
    return result
  }
}
