/**
 * `tsc-box port CONTAINER [PRIVATE_PORT[/PROTO]]`: a running container's published ports, as
 * docker prints them. bin/run.js normally hands it to the runtime's native front door; both
 * answer with crates/containers/src/port.rs.
 */
import {defineAction} from '../cli/action'
import {portCommand, type PortBinding} from '../lifecycle/port'

export default defineAction({
  args: {
    container: {required: true, description: 'container name, id or id prefix'},
    privatePort: {required: false, description: 'PRIVATE_PORT[/PROTO]'},
  },
  async run(cmd): Promise<PortBinding[]> {
    const {args} = cmd
    const {text, bindings} = portCommand(args.container, args.privatePort, cmd.paths())
    if (text !== '' && !cmd.json) cmd.log(text)
    return bindings
  },
})
