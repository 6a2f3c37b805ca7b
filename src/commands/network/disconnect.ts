/** `tsc-box network disconnect NETWORK CONTAINER`: releases its address, ports and veth there. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {containerFiles} from '../../container/bundle'
import {CliError} from '../../errors'
import {inspectNetwork, runNetHook} from '../../network/admin'
import {findContainer} from '../../network/container-ns'
import {networkDir} from '../../network/dir'

export default class NetworkDisconnect extends BaseCommand {
  static override summary = 'Disconnect a container from a network'
  static override args = {
    network: Args.string({required: true, description: 'network name'}),
    container: Args.string({required: true, description: 'container name or id'}),
  }
  static override flags = asOclifFlags(tableFlags('network:disconnect'))

  async run(): Promise<{network: string; container: string}> {
    const {args, flags} = await this.parse(NetworkDisconnect)
    const paths = this.paths(flags.root as string | undefined)
    const id = findContainer(paths, args.container).id
    if (!inspectNetwork(args.network).containers.some((c) => c.id === id))
      throw new CliError('not_connected', `container ${args.container} is not connected to network ${args.network}`)
    const files = containerFiles(paths.dataRoot, id)
    const plan = path.join(files.dir, `network-${args.network}.json`)
    fs.writeFileSync(plan, JSON.stringify({dir: networkDir(), network: args.network, name: id}), {mode: 0o600})
    try {
      runNetHook(['net-detach', '--only', plan], {id, pid: 0})
    } finally {
      fs.rmSync(plan, {force: true})
    }
    return {network: args.network, container: id}
  }
}
