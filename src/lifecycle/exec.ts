/**
 * `exec`: a process in a running container, through `tsc-box-runtime exec` in the
 * foreground (stdio inherited, signals forwarded). The user is resolved here from the
 * container's /etc/passwd (the runtime takes numbers); the exit status is the process's,
 * 126/127 when it cannot be run, 125 when tsc-box fails.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {Flags} from '../cli/flags'
import {jsonFlag, rootFlag} from '../cli/global-flags'
import {CliError} from '../errors'
import type {Paths} from '../paths'
import {parseRuntimeLog, runOutcome} from '../runtime/log'
import {launch} from '../run/launch'
import {SignalForwarder} from '../run/signals'
import {parseGroup, parsePasswd, resolveUser} from '../run/user'
import {runtimeRoot} from './runtime'
import type {ContainerView} from './state'

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

export interface ExecRequest {
  interactive: boolean
  tty: boolean
  detach: boolean
  env: string[]
  user?: string
  workdir?: string
  command: string[]
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

/** "name[:group]" or numbers, as uid:gid for the runtime. */
export function execUser(rootfs: string, spec: string): string {
  const u = resolveUser(spec, parsePasswd(readOr(path.join(rootfs, 'etc/passwd'))), parseGroup(readOr(path.join(rootfs, 'etc/group'))))
  return `${u.uid}:${u.gid}`
}

export async function execIn(runtime: string, paths: Paths, v: ContainerView, req: ExecRequest): Promise<number> {
  if (v.state !== 'running') throw new CliError('container_not_running', `container ${v.id.slice(0, 12)} is ${v.state === 'paused' ? 'paused' : 'not running'}`, 1)
  if (req.command.length === 0) throw new CliError('missing_command', 'exec needs a command')
  for (const e of req.env) if (e === '' || e.startsWith('=')) throw new CliError('invalid_env', `invalid environment variable "${e}"`)
  if (req.workdir !== undefined && !req.workdir.startsWith('/')) throw new CliError('invalid_workdir', `the working directory "${req.workdir}" is not absolute`)
  const args = ['--root', runtimeRoot(paths)]
  const log = path.join(v.dir, `exec-${process.pid}-${Date.now()}.log`)
  args.push('--log', log, '--log-format', 'json', 'exec')
  if (req.tty) args.push('-t')
  if (req.detach) args.push('-d')
  if (req.workdir) args.push('--cwd', req.workdir)
  for (const e of req.env) args.push('--env', e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`)
  if (req.user !== undefined) args.push('--user', execUser(v.rootfs, req.user))
  args.push(v.id, '--', ...req.command)
  const signals = new SignalForwarder()
  try {
    const status = await launch({file: runtime, args, stdin: req.interactive, relayTerminals: !req.tty, signals})
    const outcome = runOutcome(parseRuntimeLog(readOr(log)), status)
    if (outcome.kind === 'failed') throw new CliError(`runtime_${outcome.errorKind}`, outcome.message, outcome.exitCode, {shown: outcome.fromLog})
    return outcome.exitCode
  } finally {
    signals.dispose()
    fs.rmSync(log, {force: true})
  }
}

/**
 * `exec ARGV` from the command line (the oclif command and bin/run.js's fast path both call
 * it). Returns the exit status, or undefined when help was asked for.
 */
export async function execCommand(argv: readonly string[]): Promise<number | undefined> {
  const {parseArgv} = await import('../cli/argv')
  const {context} = await import('./context')
  const {resolveContainer} = await import('./resolve')
  const {flags, rest} = await parseArgv(argv, execFlags, 'exec')
  if (flags.help) return undefined
  if (rest.length < 2) throw new CliError('invalid_usage', "exec needs a container and a command\nSee 'tsc-box exec --help'.")
  const {paths, runtime} = context(flags.root)
  const v = resolveContainer(paths.dataRoot, rest[0])
  const exitCode = await execIn(runtime, paths, v, {
    interactive: flags.interactive,
    tty: flags.tty,
    detach: flags.detach,
    env: flags.env,
    user: flags.user,
    workdir: flags.workdir,
    command: rest.slice(1),
  })
  if (flags.json) process.stdout.write(JSON.stringify({id: v.id, exitCode}) + '\n')
  return exitCode
}
