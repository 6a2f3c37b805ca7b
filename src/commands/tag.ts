/** `tsc-box tag SOURCE TARGET`: another reference to an existing image. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {CliError} from '../errors'
import {call} from '../image/native'
import {normalizeReference} from '../image/reference'
import {imagesRoot, requireImage} from '../image/store'

export default class Tag extends BaseCommand {
  static override summary = 'Create a reference TARGET that refers to the image SOURCE'
  static override aliases = ['image:tag']
  static override args = {
    source: Args.string({required: true, description: 'image reference, ID or digest'}),
    target: Args.string({required: true, description: 'new reference, e.g. localhost/app:1'}),
  }

  static override flags = asOclifFlags(tableFlags('tag'))

  async run(): Promise<{id: string; digest: string; reference: string}> {
    const {args, flags} = await this.parse(Tag)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const image = requireImage(dataRoot, args.source)
    const reference = normalizeReference(args.target)
    if (reference.includes('@')) throw new CliError('invalid_reference', `a tag cannot contain a digest: ${args.target}`)
    call((n) => n.imageTag(imagesRoot(dataRoot), image.digest, reference))
    return {id: image.id, digest: image.digest, reference}
  }
}
