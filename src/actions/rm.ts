/**
 * `tsc-box rm [-f] [-v] ID...`: removes containers and everything they hold (processes with
 * -f, cgroup, runtime state, network, writable layer, logs, name). --json: [{id, name}].
 */
import {defineAction} from '../cli/action'
import {context, eachRef} from '../lifecycle/context'
import {removeContainerFully} from '../container/remove'
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
        removeContainerFully(runtime, paths, v.id, flags.force as boolean, flags.volumes as boolean)
        return {id: v.id, name: v.name}
      },
      (ref) => cmd.json || cmd.log(ref),
    )
  },
})
