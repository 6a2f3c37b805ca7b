/** `tsc-box volume create [NAME]`: a local volume (a random 64-hex name without NAME). */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {parseLabels} from '../../cli/labels'
import {tableFlags} from '../../cli/table'
import {CliError} from '../../errors'
import {volumes, type VolumeInfo} from '../../volume/store'

/** `-o KEY=VALUE` (docker's --opt): the local driver's type, device and o. */
function parseOpts(opts: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const o of opts) {
    const eq = o.indexOf('=')
    if (eq <= 0) throw new CliError('invalid_volume_option', `invalid option ${JSON.stringify(o)}: expected KEY=VALUE`)
    out[o.slice(0, eq)] = o.slice(eq + 1)
  }
  return out
}

export default class VolumeCreate extends BaseCommand {
  static override summary = 'Create a volume'
  static override args = {name: Args.string({required: false, description: 'volume name (default: a random one)'})}
  static override flags = asOclifFlags(tableFlags('volume:create'))

  async run(): Promise<VolumeInfo> {
    const {args, flags} = await this.parse(VolumeCreate)
    const f = flags as {driver?: string; label?: string[]; opt?: string[]; root?: string}
    const spec = {name: args.name, driver: f.driver, labels: parseLabels(f), options: parseOpts(f.opt ?? [])}
    const {volume} = volumes(this.paths(f.root), (s) => s.ensure(spec, undefined))
    if (!this.jsonEnabled()) this.log(volume.name)
    return volume
  }
}
