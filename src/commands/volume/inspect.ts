/** `tsc-box volume inspect NAME...`: docker's document, or --format over each. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {failWith} from '../../volume/report'
import {volumes} from '../../volume/store'

export default class VolumeInspect extends BaseCommand {
  static override summary = 'Display detailed information on one or more volumes'
  static override strict = false
  static override args = {name: Args.string({required: true, description: 'volume name; more may follow'})}
  static override flags = asOclifFlags(tableFlags('volume:inspect'))

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(VolumeInspect)
    const f = flags as {format?: string; root?: string}
    const json = this.jsonEnabled()
    const r = volumes(this.paths(f.root), (s) => s.inspect(argv as string[], json ? undefined : f.format))
    if (r.output !== null && r.output !== undefined && !json) this.log(r.output)
    failWith(r.failures)
    return json && r.output ? JSON.parse(r.output) : []
  }
}
