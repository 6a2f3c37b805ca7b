/** `tsc-box pause ID...`: the cgroup freezer (pause). --json: [{id, name}]. */
import {lifecycleAction} from '../lifecycle/verbs'

export default lifecycleAction('pause')
