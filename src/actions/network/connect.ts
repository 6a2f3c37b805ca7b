/**
 * `tsc-box network connect NETWORK CONTAINER`: a running container gets one more interface
 * (eth1, eth2...) on NETWORK; released when it exits like its first one.
 */
import {defineAction} from '../../cli/action'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {containerFiles} from '../../container/bundle'
import {readRecord} from '../../container/record'
import {CliError} from '../../errors'
import {inspectNetwork, listNetworks, runNetHook} from '../../network/admin'
import {findContainer, runningPid} from '../../network/container-ns'
import {networkDir} from '../../network/dir'

export default defineAction({
  args: {
    network: {required: true, description: 'network name'},
    container: {required: true, description: 'container name or id'},
  },
  async run(cmd): Promise<{network: string; container: string; ip: string}> {
    const {args, flags} = cmd
    const paths = cmd.paths()
    const target = findContainer(paths, args.container)
    const id = target.id
    const pid = runningPid(target, args.container)
    inspectNetwork(args.network)
    const files = containerFiles(paths.dataRoot, id)
    const name = readRecord(files.dir).name
    const ifaces = listNetworks().filter((n) => n.containers.some((c) => c.id === id))
    if (ifaces.some((n) => n.name === args.network))
      throw new CliError('already_connected', `container ${args.container} is already connected to network ${args.network}`)
    const plan = path.join(files.dir, `network-${args.network}.json`)
    const ip = (flags as {ip?: string}).ip
    fs.writeFileSync(
      plan,
      JSON.stringify({
        dir: networkDir(),
        network: args.network,
        name,
        aliases: [id.slice(0, 12)],
        ...(ip ? {ip} : {}),
        ports: [],
        hosts: files.etc.hosts,
        interface: `eth${ifaces.length}`,
      }),
      {mode: 0o600},
    )
    try {
      runNetHook(['net-attach', plan], {id, pid})
    } finally {
      fs.rmSync(plan, {force: true})
    }
    const member = inspectNetwork(args.network).containers.find((c) => c.id === id)
    return {network: args.network, container: id, ip: member?.ip ?? ''}
  },
})
