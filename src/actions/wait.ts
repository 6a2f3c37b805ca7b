/**
 * `tsc-box wait ID...`: blocks until each container stops and prints its exit code. --json:
 * [{id, name, exitCode}]. bin/run.js normally hands it to the runtime's native front door; both
 * wait with crates/containers/src/wait.rs.
 */
import {defineAction} from '../cli/action'
import {eachRef} from '../lifecycle/context'
import {waitContainer} from '../lifecycle/wait'
import {resolveContainer} from '../lifecycle/resolve'

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  strict: false,
  async run(cmd): Promise<{id: string; name: string; exitCode: number}[]> {
    const {argv} = cmd
    const paths = cmd.paths()
    return eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
        return {id: v.id, name: v.name, exitCode: waitContainer(paths, v.id)}
      },
      (_ref, r) => cmd.json || cmd.log(String(r.exitCode)),
    )
  },
})
