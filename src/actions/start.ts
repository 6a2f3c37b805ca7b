/**
 * `tsc-box start ID...`: runs created or stopped containers (again) under a monitor, on the
 * same root filesystem and writable layer. Prints each reference; --json: [{id, name}].
 */
import {defineAction} from '../cli/action'
import {context, eachRef} from '../lifecycle/context'
import {startContainer} from '../lifecycle/ops'
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
        await startContainer(runtime, paths, v)
        return {id: v.id, name: v.name}
      },
      (ref) => cmd.json || cmd.log(ref),
    )
  },
})
