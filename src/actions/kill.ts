/** `tsc-box kill [-s SIG] ID...`: a signal (default SIGKILL) to each container's main process. --json: [{id, name, signal}]. */
import {lifecycleAction} from '../lifecycle/verbs'

export default lifecycleAction('kill')
