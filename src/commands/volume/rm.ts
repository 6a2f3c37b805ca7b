/** `tsc-box volume rm [-f] NAME...`: refused while a container uses the volume (docker's 1). */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {failWith} from '../../volume/report'
import {rootlessRuntime, volumes} from '../../volume/store'

export default class VolumeRm extends BaseCommand {
  static override summary = 'Remove one or more volumes'
  static override aliases = ['volume:remove']
  static override strict = false
  static override args = {name: Args.string({required: true, description: 'volume name; more may follow'})}
  static override flags = asOclifFlags(tableFlags('volume:rm'))

  async run(): Promise<string[]> {
    const {argv, flags} = await this.parse(VolumeRm)
    const f = flags as {force?: boolean; root?: string}
    const r = volumes(this.paths(f.root), (s) => s.remove(argv as string[], f.force === true, rootlessRuntime()))
    if (!this.jsonEnabled() && r.removed.length > 0) this.log(r.removed.join('\n'))
    failWith(r.failures)
    return r.removed
  }
}
