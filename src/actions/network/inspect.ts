/**
 * `tsc-box network inspect NAME...`: docker's network documents (crates/containers/src/inspect/
 * network.rs) as one JSON array, or --format per network. `--json` keeps tsc-box's own
 * documented shape (the definition with its members' addresses and ports), as `ps --json` does.
 */
import {defineAction} from '../../cli/action'
import {inspectCommand} from '../../lifecycle/inspect'
import {inspectNetwork, type NetworkInspect} from '../../network/admin'

export default defineAction({
  args: {name: {required: true, description: 'network name or ID; more may follow'}},
  strict: false,
  async run(cmd): Promise<NetworkInspect[] | undefined> {
    const {argv, flags} = cmd
    if (cmd.json) return (argv as string[]).map(inspectNetwork)
    inspectCommand(argv as string[], {format: flags.format as string | undefined, kind: 'network', json: false}, cmd.paths())
    return undefined
  },
})
