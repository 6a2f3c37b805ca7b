/** `tsc-box pause ID...`: the cgroup freezer (pause). --json: [{id, name}]. */
import {defineAction} from '../cli/action'
import {context, eachRef} from '../lifecycle/context'
import {type LifecycleDone, lifecycleOp} from '../lifecycle/verbs'

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  strict: false,
  async run(cmd): Promise<LifecycleDone[]> {
    const {flags, argv} = cmd
    const op = lifecycleOp('pause', {}, context(flags.root as string | undefined))
    return eachRef(argv as string[], op, (ref) => cmd.json || cmd.log(ref))
  },
})
