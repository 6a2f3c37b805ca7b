/** `tsc-box network ls`: the networks and how many containers each has. */
import {defineAction} from '../../cli/action'
import {call} from '../../image/native'
import {listNetworks, type NetworkInspect} from '../../network/admin'

export default defineAction({
  async run(cmd): Promise<NetworkInspect[] | undefined> {
    const {flags} = cmd
    const f = flags as {quiet?: boolean; 'no-trunc'?: boolean; filter?: string[]; format?: string}
    const filters = f.filter ?? []
    // --json keeps tsc-box's documented shape (the runtime's view, stale members released),
    // filtered by the same Rust filter (the names -q lists).
    if (cmd.json) {
      const nets = listNetworks()
      if (filters.length === 0) return nets
      const keep = new Set((call((n) => n.networkLsOutput({quiet: true, noTrunc: false, filters})) ?? '').split('\n'))
      return nets.filter((n) => keep.has(n.name))
    }
    // The table, -q, --filter and --format: crates/containers/src/inspect/network.rs.
    const out = call((n) => n.networkLsOutput({quiet: f.quiet === true, noTrunc: f['no-trunc'] === true, filters, format: f.format}))
    if (out !== null && out !== undefined) cmd.log(out)
    return undefined
  },
})
