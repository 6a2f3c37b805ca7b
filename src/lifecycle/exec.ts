/**
 * `exec` from Node (the oclif command, and bin/run.js when the native front door cannot be
 * used): the runtime's `--cli exec` does all of it (flags, the container, its user, the exec
 * itself, errors and --json), in the foreground with stdio and signals passed on. Node only
 * keeps the caller's terminal from a process without -t (the relay) and reads the status.
 */
import {parseArgv} from '../cli/argv'
import {parserFlags} from '../cli/table'
import {EXIT_ENGINE} from '../errors'
import {launch} from '../run/launch'
import {SignalForwarder} from '../run/signals'
import {requireRuntime} from '../runtime/locate'

export const execFlags = parserFlags('exec')

/**
 * `exec ARGV` from the command line. Returns the exit status, or undefined when help was
 * asked for. The runtime has already reported its failures (stderr, and --json on stdout).
 */
export async function execCommand(argv: readonly string[]): Promise<number | undefined> {
  const {flags} = await parseArgv(argv, execFlags, 'exec')
  if (flags.help) return undefined
  const runtime = requireRuntime()
  const signals = new SignalForwarder()
  try {
    const st = await launch({file: runtime, args: ['--cli', 'exec', ...argv], stdin: flags.interactive === true, relayTerminals: flags.tty !== true, signals})
    if (st.signal !== null) return 128 + st.signal
    return st.exitCode ?? EXIT_ENGINE
  } finally {
    signals.dispose()
  }
}
