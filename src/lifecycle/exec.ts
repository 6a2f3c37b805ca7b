/**
 * `exec` from Node (the oclif command, and bin/run.js when the native front door cannot be
 * used): the runtime's `--cli exec` does all of it (flags, the container, its user, the exec
 * itself, errors and --json), in the foreground with stdio and signals passed on. Node only
 * keeps the caller's terminal from a process without -t (the relay) and reads the status.
 */
import {parseArgv} from '../cli/argv'
import {Flags} from '../cli/flags'
import {jsonFlag, rootFlag} from '../cli/global-flags'
import {EXIT_ENGINE} from '../errors'
import {launch} from '../run/launch'
import {SignalForwarder} from '../run/signals'
import {requireRuntime} from '../runtime/locate'

export const execFlags = {
  interactive: Flags.boolean({char: 'i', description: 'keep STDIN open'}),
  tty: Flags.boolean({char: 't', description: 'allocate a pseudo-TTY'}),
  detach: Flags.boolean({char: 'd', description: 'run the command in the background'}),
  env: Flags.string({char: 'e', multiple: true, description: 'set environment variables (KEY=VAL)'}),
  user: Flags.string({char: 'u', description: 'username or UID (format: <name|uid>[:<group|gid>])'}),
  workdir: Flags.string({char: 'w', description: 'working directory inside the container'}),
  root: rootFlag,
  json: jsonFlag,
  help: Flags.boolean({hidden: true}),
}

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
    const st = await launch({file: runtime, args: ['--cli', 'exec', ...argv], stdin: flags.interactive, relayTerminals: !flags.tty, signals})
    if (st.signal !== null) return 128 + st.signal
    return st.exitCode ?? EXIT_ENGINE
  } finally {
    signals.dispose()
  }
}
