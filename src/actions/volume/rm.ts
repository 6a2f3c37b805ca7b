/** `tsc-box volume rm [-f] NAME...`: refused while a container uses the volume (docker's 1). */
import {defineAction} from '../../cli/action'
import {failWith} from '../../volume/report'
import {rootlessRuntime, volumes} from '../../volume/store'

export default defineAction({
  args: {name: {required: true, description: 'volume name; more may follow'}},
  strict: false,
  async run(cmd): Promise<string[]> {
    const {argv, flags} = cmd
    const f = flags as {force?: boolean; root?: string}
    const r = volumes(cmd.paths(), (s) => s.remove(argv as string[], f.force === true, rootlessRuntime()))
    if (!cmd.json && r.removed.length > 0) cmd.log(r.removed.join('\n'))
    failWith(r.failures)
    return r.removed
  },
})
