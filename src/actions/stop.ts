/**
 * `tsc-box stop [-t SECS] ID...`: SIGTERM, then SIGKILL after SECS (default 10); a stopped
 * container is not restarted by its policy. --json: [{id, name, exitCode}].
 */
import {lifecycleAction} from '../lifecycle/verbs'

export default lifecycleAction('stop')
