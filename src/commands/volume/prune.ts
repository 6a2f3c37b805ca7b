/** `tsc-box volume prune [-a] [--filter label=...]`: unused volumes; anonymous ones only without -a (docker 23+). */
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {humanSize} from '../../image/format'
import {rootlessRuntime, volumes} from '../../volume/store'

export default class VolumePrune extends BaseCommand {
  static override summary = 'Remove unused volumes (anonymous ones unless --all)'
  static override flags = asOclifFlags(tableFlags('volume:prune'))

  async run(): Promise<{volumesDeleted: string[]; spaceReclaimed: number}> {
    const {flags} = await this.parse(VolumePrune)
    const f = flags as {all?: boolean; filter?: string[]; root?: string}
    const r = volumes(this.paths(f.root), (s) => s.prune(f.all === true, f.filter ?? [], rootlessRuntime()))
    if (!this.jsonEnabled()) {
      if (r.deleted.length > 0) this.log(`Deleted Volumes:\n${r.deleted.join('\n')}\n`)
      this.log(`Total reclaimed space: ${humanSize(r.reclaimed)}`)
    }
    return {volumesDeleted: r.deleted, spaceReclaimed: r.reclaimed}
  }
}
