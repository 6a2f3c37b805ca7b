/** `tsc-box image inspect IMAGE...`: docker's image documents (crates/image/src/inspect.rs) as one JSON array. */
import {defineAction} from '../../cli/action'
import {inspectCommand} from '../../lifecycle/inspect'

export default defineAction({
  args: {image: {required: true, description: 'image reference, ID or digest; more may follow'}},
  strict: false,
  async run(cmd): Promise<void> {
    const {argv, flags} = cmd
    inspectCommand(argv as string[], {format: flags.format as string | undefined, kind: 'image', json: cmd.json}, cmd.paths())
  },
})
