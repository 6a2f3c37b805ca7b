/** `tsc-box tag SOURCE TARGET`: another reference to an existing image. */
import {defineAction} from '../cli/action'
import {CliError} from '../errors'
import {call} from '../image/native'
import {normalizeReference} from '../image/reference'
import {imagesRoot, requireImage} from '../image/store'

export default defineAction({
  args: {
    source: {required: true, description: 'image reference, ID or digest'},
    target: {required: true, description: 'new reference, e.g. localhost/app:1'},
  },
  async run(cmd): Promise<{id: string; digest: string; reference: string}> {
    const {args} = cmd
    const dataRoot = cmd.paths().dataRoot
    const image = requireImage(dataRoot, args.source)
    const reference = normalizeReference(args.target)
    if (reference.includes('@')) throw new CliError('invalid_reference', `a tag cannot contain a digest: ${args.target}`)
    call((n) => n.imageTag(imagesRoot(dataRoot), image.digest, reference))
    return {id: image.id, digest: image.digest, reference}
  },
})
