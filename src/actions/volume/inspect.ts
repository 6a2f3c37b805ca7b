/** `tsc-box volume inspect NAME...`: docker's document, or --format over each. */
import {defineAction} from '../../cli/action'
import {failWith} from '../../volume/report'
import {volumes} from '../../volume/store'

export default defineAction({
  args: {name: {required: true, description: 'volume name; more may follow'}},
  strict: false,
  async run(cmd): Promise<unknown> {
    const {argv, flags} = cmd
    const f = flags as {format?: string; root?: string}
    const json = cmd.json
    const r = volumes(cmd.paths(), (s) => s.inspect(argv as string[], json ? undefined : f.format))
    if (r.output !== null && r.output !== undefined && !json) cmd.log(r.output)
    failWith(r.failures)
    return json && r.output ? JSON.parse(r.output) : []
  },
})
