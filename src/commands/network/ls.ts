/** `tsc-box network ls`: the networks and how many containers each has. */
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {call} from '../../image/native'
import {listNetworks, type NetworkInspect} from '../../network/admin'

export default class NetworkLs extends BaseCommand {
  static override summary = 'List networks'
  static override aliases = ['network:list']
  static override flags = asOclifFlags(tableFlags('network:ls'))

  async run(): Promise<NetworkInspect[] | undefined> {
    const {flags} = await this.parse(NetworkLs)
    const f = flags as {quiet?: boolean; 'no-trunc'?: boolean; filter?: string[]; format?: string}
    const filters = f.filter ?? []
    // --json keeps tsc-box's documented shape (the runtime's view, stale members released),
    // filtered by the same Rust filter (the names -q lists).
    if (this.jsonEnabled()) {
      const nets = listNetworks()
      if (filters.length === 0) return nets
      const keep = new Set((call((n) => n.networkLsOutput({quiet: true, noTrunc: false, filters})) ?? '').split('\n'))
      return nets.filter((n) => keep.has(n.name))
    }
    // The table, -q, --filter and --format: crates/containers/src/inspect/network.rs.
    const out = call((n) => n.networkLsOutput({quiet: f.quiet === true, noTrunc: f['no-trunc'] === true, filters, format: f.format}))
    if (out !== null && out !== undefined) this.log(out)
    return undefined
  }
}
