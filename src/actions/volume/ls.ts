/** `tsc-box volume ls`: docker's table, -q, --filter, --format (crates/containers/src/volumes/list.rs). */
import {defineAction} from '../../cli/action'
import {volumes} from '../../volume/store'

export default defineAction({
  async run(cmd): Promise<unknown> {
    const {flags} = cmd
    const f = flags as {quiet?: boolean; filter?: string[]; format?: string; root?: string}
    const json = cmd.json
    const out = volumes(cmd.paths(), (s) => s.ls({quiet: f.quiet === true, filters: f.filter ?? [], format: f.format}, json))
    if (json) return JSON.parse(out)
    if (out !== '') cmd.log(out)
    return undefined
  },
})
