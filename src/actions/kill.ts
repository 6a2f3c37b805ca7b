/** `tsc-box kill [-s SIG] ID...`: a signal (default SIGKILL) to each container's main process. --json: [{id, name, signal}]. */
import {defineAction} from '../cli/action'
import {context, eachRef} from '../lifecycle/context'
import {type LifecycleDone, lifecycleOp} from '../lifecycle/verbs'

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  strict: false,
  async run(cmd): Promise<LifecycleDone[]> {
    const {flags, argv} = cmd
    const op = lifecycleOp('kill', {signal: flags.signal as string}, context(flags.root as string | undefined))
    return eachRef(argv as string[], op, (ref) => cmd.json || cmd.log(ref))
  },
})
