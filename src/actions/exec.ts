/**
 * `tsc-box exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] ID CMD [ARG...]`: runs a command
 * in a running container through the runtime's front door (src/lifecycle/exec.ts). Flags end
 * at the container: what follows is the command's own.
 */
import type {ArgvAction} from '../cli/action'
import {jsonRequested} from '../cli/argv'
import {execCommand, execFlags} from '../lifecycle/exec'

export default {
  runArgv: execCommand,
  jsonRequested: (argv) => jsonRequested(argv, execFlags),
} satisfies ArgvAction
