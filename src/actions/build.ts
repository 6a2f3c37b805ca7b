/** `tsc-box build [OPTIONS] CONTEXT`: an image from a Dockerfile (src/build). */
import {defineAction} from '../cli/action'
import type {BuildResult} from '../build/builder'
import {buildCommand, pullPolicyArgv} from '../build/command'

export default defineAction({
  args: {
    context: {required: true, description: 'the build context: a directory'},
  },
  rewriteArgv: pullPolicyArgv,
  async run(cmd): Promise<BuildResult> {
    const {args, flags} = cmd
    return buildCommand(args.context, flags, cmd.json)
  },
})
