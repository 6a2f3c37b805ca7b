/**
 * `tsc-box cp CONTAINER:SRC_PATH DEST_PATH|-` and `cp SRC_PATH|- CONTAINER:DEST_PATH`:
 * docker's cp. bin/run.js normally hands it to the runtime's native front door (a running
 * container); both copy with crates/containers/src/cp.
 */
import {defineAction} from '../cli/action'
import {cpCommand} from '../lifecycle/cp'

export default defineAction({
  args: {
    src: {required: true, description: 'CONTAINER:SRC_PATH, a local path, or - (a tar on stdin)'},
    dest: {required: true, description: 'CONTAINER:DEST_PATH, a local path, or - (a tar on stdout)'},
  },
  async run(cmd): Promise<{id: string; name: string}> {
    const {args, flags} = cmd
    return cpCommand(args.src, args.dest, {archive: flags.archive === true, 'follow-link': flags['follow-link'] === true}, cmd.paths())
  },
})
