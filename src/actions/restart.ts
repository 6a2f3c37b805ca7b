/** `tsc-box restart [-t SECS] ID...`: stop (as `stop`), then start. --json: [{id, name}]. */
import {defineAction} from '../cli/action'
import {context, eachRef} from '../lifecycle/context'
import {restartContainer} from '../lifecycle/ops'
import {resolveContainer} from '../lifecycle/resolve'

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  strict: false,
  async run(cmd): Promise<{id: string; name: string}[]> {
    const {flags, argv} = cmd
    const {paths, runtime} = context(flags.root as string | undefined)
    return eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
        await restartContainer(runtime, paths, v, flags.time as number)
        return {id: v.id, name: v.name}
      },
      (ref) => cmd.json || cmd.log(ref),
    )
  },
})
