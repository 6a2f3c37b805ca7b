/**
 * The flags `run` (and `create`) take for detached containers: -d and --restart, with docker's
 * names and meanings. Spread into run's flags by src/run/flags.ts.
 */
import {Flags} from '../cli/flags'
import {CliError} from '../errors'

/** docker's policies; the monitor parses them again (the runtime is the authority). */
export function parseRestartPolicy(input: string): string {
  if (/^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(input)) return input
  throw new CliError('invalid_restart_policy', `invalid restart policy "${input}": use no, always, unless-stopped or on-failure[:N]`)
}

export const detachFlags = {
  detach: Flags.boolean({char: 'd', description: 'run the container in the background and print its ID'}),
  restart: Flags.string({
    description: 'restart policy when the container exits: no, always, unless-stopped, on-failure[:N]',
    default: 'no',
    parse: async (s: string) => parseRestartPolicy(s),
  }),
  /** `create` sets it: everything `run -d` does, except starting the container. */
  'no-start': Flags.boolean({hidden: true}),
}
