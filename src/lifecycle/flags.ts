/**
 * `run` (and `create`) for detached containers: -d and --restart, with docker's names and
 * meanings (the flags are in src/cli/commands.json).
 */
import {CliError} from '../errors'

/** docker's policies; the monitor parses them again (the runtime is the authority). */
export function parseRestartPolicy(input: string): string {
  if (/^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(input)) return input
  throw new CliError('invalid_restart_policy', `invalid restart policy "${input}": use no, always, unless-stopped or on-failure[:N]`)
}

/** The values of run's flags for detached containers. */
export interface DetachFlags {
  detach: boolean
  restart: string
  /** `create` sets it: everything `run -d` does, except starting the container. */
  'no-start': boolean
}
