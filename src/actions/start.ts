/**
 * `tsc-box start ID...`: runs created or stopped containers (again) under a monitor, on the
 * same root filesystem and writable layer. Prints each reference; --json: [{id, name}].
 */
import {containersAction} from '../lifecycle/context'
import {startContainer} from '../lifecycle/ops'

export default containersAction((v, {paths, runtime}) => startContainer(runtime, paths, v))
