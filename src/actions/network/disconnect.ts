/** `tsc-box network disconnect NETWORK CONTAINER`: releases its address, ports and veth there. */
import {defineAction} from '../../cli/action'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {containerFiles} from '../../container/bundle'
import {CliError} from '../../errors'
import {inspectNetwork, runNetHook} from '../../network/admin'
import {findContainer} from '../../network/container-ns'
import {networkDir} from '../../network/dir'

export default defineAction({
  args: {
    network: {required: true, description: 'network name'},
    container: {required: true, description: 'container name or id'},
  },
  async run(cmd): Promise<{network: string; container: string}> {
    const {args} = cmd
    const paths = cmd.paths()
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
  },
})
