/**
 * `tsc-box rm [-f] [-v] ID...`: removes containers and everything they hold (processes with
 * -f, cgroup, runtime state, network, writable layer, logs, name). --json: [{id, name}].
 */
import {removeContainerFully} from '../container/remove'
import {containersAction} from '../lifecycle/context'

export default containersAction((v, {paths, runtime}, flags) => removeContainerFully(runtime, paths, v.id, flags.force === true, flags.volumes === true))
