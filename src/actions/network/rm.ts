/** `tsc-box network rm NAME...`: refused for a network a running container uses. */
import {defineAction} from '../../cli/action'
import {removeNetworks} from '../../network/admin'

export default defineAction({
  args: {name: {required: true, description: 'network name; more may follow'}},
  strict: false,
  async run(cmd): Promise<string[]> {
    const {argv} = cmd
    const removed = removeNetworks(argv as string[])
    if (!cmd.json) cmd.log(removed.join('\n'))
    return removed
  },
})
