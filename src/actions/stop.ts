/**
 * `tsc-box stop [-t SECS] ID...`: SIGTERM, then SIGKILL after SECS (default 10); a stopped
 * container is not restarted by its policy. --json: [{id, name, exitCode}].
 */
import {defineAction} from '../cli/action'
import {context, eachRef} from '../lifecycle/context'
import {type LifecycleDone, lifecycleOp} from '../lifecycle/verbs'

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  strict: false,
  async run(cmd): Promise<LifecycleDone[]> {
    const {flags, argv} = cmd
    const op = lifecycleOp('stop', {time: flags.time as number}, context(flags.root as string | undefined))
    return eachRef(argv as string[], op, (ref) => cmd.json || cmd.log(ref))
  },
})
