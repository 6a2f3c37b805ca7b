/** Flags every command has: where the data lives, and machine-readable output. */
import {Flags} from './flags'

export const rootFlag = Flags.string({
  description: 'data root (default /var/lib/tsc-box; rootless $XDG_DATA_HOME/tsc-box)',
  env: 'TSC_BOX_ROOT',
  helpValue: 'DIR',
})

/** --json as oclif's enableJsonFlag defines it, for the fast path that does not load oclif. */
export const jsonFlag = Flags.boolean({description: 'Format output as json.', helpGroup: 'GLOBAL'})
