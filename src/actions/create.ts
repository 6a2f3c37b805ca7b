/**
 * `tsc-box create [run flags] (--rootfs DIR | IMAGE) [CMD...]`: everything `run -d` does
 * except starting (src/run/main.ts with --no-start). Flags end at the image: what follows is
 * the container's command.
 */
import type {ArgvAction} from '../cli/action'
import {jsonRequested, runCommand} from '../run/main'

export default {
  async runArgv(argv) {
    const r = await runCommand(['--no-start', ...argv])
    return r.kind === 'help' ? undefined : r.exitCode
  },
  jsonRequested: (argv) => jsonRequested('create', argv),
} satisfies ArgvAction
