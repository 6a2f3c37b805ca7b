/** `tsc-box volume ls`: docker's table, -q, --filter, --format (crates/containers/src/volumes/list.rs). */
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {volumes} from '../../volume/store'

export default class VolumeLs extends BaseCommand {
  static override summary = 'List volumes'
  static override aliases = ['volume:list']
  static override flags = asOclifFlags(tableFlags('volume:ls'))

  async run(): Promise<unknown> {
    const {flags} = await this.parse(VolumeLs)
    const f = flags as {quiet?: boolean; filter?: string[]; format?: string; root?: string}
    const json = this.jsonEnabled()
    const out = volumes(this.paths(f.root), (s) => s.ls({quiet: f.quiet === true, filters: f.filter ?? [], format: f.format}, json))
    if (json) return JSON.parse(out)
    if (out !== '') this.log(out)
    return undefined
  }
}
