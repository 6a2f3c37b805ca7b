/** `tsc-box volume create [NAME]`: a local volume (a random 64-hex name without NAME). */
import {defineAction} from '../../cli/action'
import {parseLabels} from '../../cli/labels'
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

export default defineAction({
  args: {name: {required: false, description: 'volume name (default: a random one)'}},
  async run(cmd): Promise<VolumeInfo> {
    const {args, flags} = cmd
    const f = flags as {driver?: string; label?: string[]; opt?: string[]; root?: string}
    const spec = {name: args.name, driver: f.driver, labels: parseLabels(f), options: parseOpts(f.opt ?? [])}
    const {volume} = volumes(cmd.paths(), (s) => s.ensure(spec, undefined))
    if (!cmd.json) cmd.log(volume.name)
    return volume
  },
})
