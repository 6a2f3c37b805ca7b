/** `tsc-box unpause ID...`: the cgroup freezer (resume). --json: [{id, name}]. */
import {lifecycleAction} from '../lifecycle/verbs'

export default lifecycleAction('unpause')
