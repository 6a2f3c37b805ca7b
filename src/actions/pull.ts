/** `tsc-box pull REF`: an image from a registry (OCI distribution API). */
import {defineAction} from '../cli/action'
import {pullCommand, type PullFlags} from '../image/pull-command'

export default defineAction({
  args: {image: {required: true, description: 'image reference, e.g. localhost:5000/app:1 or busybox@sha256:...'}},
  async run(cmd): Promise<{id: string; digest: string; reference: string}> {
    const {args, flags} = cmd
    const dataRoot = cmd.paths().dataRoot
    const {line, ...result} = await pullCommand(args.image, dataRoot, flags as PullFlags, cmd.json)
    if (!cmd.json) cmd.log(line)
    return result
  },
})
