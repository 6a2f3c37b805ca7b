/**
 * The SDK's containers: each method runs the code of the command of the same name (src/run,
 * src/lifecycle, the store in crates/containers through the binding), never the command line.
 */
import {parserFlags} from '../cli/table'
import {removeContainerFully} from '../container/remove'
import {context} from '../lifecycle/context'
import {killContainer, restartContainer, startContainer, stopContainer} from '../lifecycle/ops'
import {setPaused} from '../lifecycle/pause'
import {psCommand} from '../lifecycle/ps'
import {resolveContainer} from '../lifecycle/resolve'
import {isActive, viewById, type ContainerView} from '../lifecycle/state'
import {statsReading} from '../lifecycle/stats'
import {waitContainer} from '../lifecycle/wait'
import {type RunFlags, runParserFlags} from '../run/flags'
import {runContainer} from '../run/main'
import {coded, TscBoxError} from './errors'
import {frontExec} from './exec'
import type {ContainerInspect, LogEntry, PsEntry, StatsEntry} from './json'
import {inspectOne} from './inspect'
import {followLogs} from './logs'
import {type CommandOptions, flagTokens, parsedFlags} from './options'
import {outputStreams} from './output'

/** Where a container's output goes, and what it reads. */
export interface StdioOptions {
  /** The container's stdin: given whole, or a stream (without it, /dev/null as `run` without -i). */
  stdin?: NodeJS.ReadableStream | Buffer | string
  /** Stream stdout here as it comes, instead of into the result's `stdout` buffer. */
  stdout?: NodeJS.WritableStream
  /** Stream stderr here as it comes, instead of into the result's `stderr` buffer. */
  stderr?: NodeJS.WritableStream
}

/**
 * `run`'s flags in camelCase (`--memory-swap` is `memorySwap`, `-e` is `env`), typed from the
 * command table, plus where the output goes. `-i`/`-t` are the terminal's: the SDK gives stdin
 * with `stdin`, and has no terminal to give.
 */
export type RunOptions = Omit<CommandOptions<'run'>, 'interactive' | 'tty'> & StdioOptions

/** What `run` resolves to. */
export interface RunOutput {
  id: string
  name: string
  /** The container's exit status (0 for a detached or created one). */
  exitCode: number
  /** The kernel's OOM killer ended it (`--memory` too small). */
  oomKilled: boolean
  /** What it wrote to stdout (empty when streamed to `stdout`, or detached). */
  stdout: Buffer
  stderr: Buffer
  /** `detach` (or `create`): the container was left to a monitor, or created only. */
  detached: boolean
}

export type ExecOptions = Omit<CommandOptions<'exec'>, 'interactive' | 'tty'> & StdioOptions

export interface ExecOutput {
  exitCode: number
  stdout: Buffer
  stderr: Buffer
}

export type ListOptions = CommandOptions<'ps'>
export type LogsOptions = CommandOptions<'logs'>
export type StopOptions = CommandOptions<'stop'>
export type KillOptions = CommandOptions<'kill'>
export type RemoveOptions = CommandOptions<'rm'>

const stopParser = parserFlags('stop')
const killParser = parserFlags('kill')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class Containers {
  /** @internal */
  constructor(private readonly root: string | undefined) {}

  private ctx() {
    return context(this.root)
  }

  private view(ref: string): ContainerView {
    const {paths} = this.ctx()
    return resolveContainer(paths.dataRoot, ref, paths.runDir)
  }

  /**
   * Runs `cmd` in a new container of `image` (a reference, an image ID, or `host:/bin/sh` for
   * an image of host binaries) as `tsc-box run` does, and resolves when it has ended, with its
   * output. A missing image is pulled (`pull: 'missing'`, quietly).
   *
   * @example
   * ```ts
   * const r = await box.containers.run('host:/bin/sh', ['-c', 'echo hi; echo oops >&2; exit 3'], {rm: true})
   * r.exitCode // 3
   * r.stdout.toString() // 'hi\n'
   * r.stderr.toString() // 'oops\n'
   * ```
   * @example Detached, then waited for:
   * ```ts
   * const {id} = await box.containers.run('host:/bin/sleep', ['5'], {detach: true, name: 'nap'})
   * await box.containers.wait(id) // 0
   * ```
   */
  run(image: string, cmd: string[] = [], options: RunOptions = {}): Promise<RunOutput> {
    return coded(async () => {
      const {stdin, stdout, stderr, ...flagOptions} = options
      if ('interactive' in flagOptions || 'tty' in flagOptions)
        throw new TscBoxError('invalid_usage', 'the SDK has no terminal: give stdin with the stdin option; tty is not available')
      // Pull messages and progress go to the command line's stderr: the SDK's caller asked for none.
      const flags = await parsedFlags<RunFlags>('run', runParserFlags, {quiet: true, ...flagOptions}, this.root)
      if (image.startsWith('-')) throw new TscBoxError('invalid_reference', `invalid reference format: ${image}`)
      const out = outputStreams({stdout, stderr})
      const positionals = flags.rootfs !== undefined && image === '' ? cmd : [image, ...cmd]
      const r = await runContainer(flags, positionals, undefined, {stdin, stdout: out.stdout, stderr: out.stderr})
      return {id: r.id, name: r.name, exitCode: r.exitCode, oomKilled: r.oomKilled, ...out.buffers(), detached: r.detached === true}
    })
  }

  /** Creates the container `run` would run, without starting it (`tsc-box create`); `start` runs it. */
  async create(image: string, cmd: string[] = [], options: Omit<RunOptions, 'detach' | keyof StdioOptions> = {}): Promise<{id: string; name: string}> {
    const r = await this.run(image, cmd, {...options, noStart: true})
    return {id: r.id, name: r.name}
  }

  /** Starts a created or ended container under a monitor (`tsc-box start`); its output goes to its log. */
  start(ref: string): Promise<void> {
    return coded(async () => {
      const {paths, runtime} = this.ctx()
      await startContainer(runtime, paths, this.view(ref))
    })
  }

  /** SIGTERM, then SIGKILL after `time` seconds (default 10), as `tsc-box stop`. */
  stop(ref: string, options: StopOptions = {}): Promise<void> {
    return coded(async () => {
      const f = await parsedFlags<{time: number}>('stop', stopParser, options, this.root)
      const {paths, runtime} = this.ctx()
      await stopContainer(runtime, paths, this.view(ref), f.time)
    })
  }

  /** `stop`, then `start` (`tsc-box restart`). */
  restart(ref: string, options: StopOptions = {}): Promise<void> {
    return coded(async () => {
      const f = await parsedFlags<{time: number}>('stop', stopParser, options, this.root)
      const {paths, runtime} = this.ctx()
      await restartContainer(runtime, paths, this.view(ref), f.time)
    })
  }

  /** Freezes every process of the container (`tsc-box pause`); `unpause` thaws them. */
  pause(ref: string): Promise<void> {
    return coded(() => {
      const {paths, runtime} = this.ctx()
      setPaused(runtime, paths, this.view(ref), true)
    })
  }

  unpause(ref: string): Promise<void> {
    return coded(() => {
      const {paths, runtime} = this.ctx()
      setPaused(runtime, paths, this.view(ref), false)
    })
  }

  /** A signal (default KILL) to the container's init, as `tsc-box kill`. */
  kill(ref: string, options: KillOptions = {}): Promise<void> {
    return coded(async () => {
      const f = await parsedFlags<{signal: string}>('kill', killParser, options, this.root)
      const {paths, runtime} = this.ctx()
      killContainer(runtime, paths, this.view(ref), f.signal)
    })
  }

  /** Removes the container and everything it holds (`tsc-box rm`; `force` kills a running one, `volumes` its anonymous volumes). */
  remove(ref: string, options: RemoveOptions = {}): Promise<void> {
    return coded(() => {
      flagTokens('rm', options)
      const {paths, runtime} = this.ctx()
      removeContainerFully(runtime, paths, this.view(ref).id, options.force === true, options.volumes === true)
    })
  }

  /**
   * The container's exit status once it has run and ended (`tsc-box wait`); a created one is
   * waited for until it has been started and has ended. The event loop stays free meanwhile.
   */
  wait(ref: string): Promise<number> {
    return coded(async () => {
      const {paths} = this.ctx()
      const id = this.view(ref).id
      for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
        const v = viewById(paths.dataRoot, id, paths.runDir)
        if (v === undefined || v.state === 'exited' || v.state === 'dead') break
        if (!isActive(v) && v.state !== 'created') break
        await sleep(delay)
      }
      return waitContainer(paths, id)
    })
  }

  /** `tsc-box ps --json`: running containers, or all with `all`; `filter` as docker's. */
  list(options: ListOptions = {}): Promise<PsEntry[]> {
    return coded(() => {
      flagTokens('ps', options)
      const {paths} = this.ctx()
      return JSON.parse(psCommand({...options, 'no-trunc': options.noTrunc}, paths, true) ?? '[]') as PsEntry[]
    })
  }

  /** docker's inspect document of one container (`tsc-box inspect --type container REF`). */
  inspect(ref: string): Promise<ContainerInspect> {
    return coded(() => inspectOne<ContainerInspect>(this.ctx().paths, 'container', ref))
  }

  /**
   * The container's log, entry by entry (`tsc-box logs`); with `follow`, new entries as they are
   * written, ending once the container has ended (or when the loop is left).
   *
   * @example Wait for a line:
   * ```ts
   * for await (const e of box.containers.logs(id, {follow: true})) if (e.log.includes('ready')) break
   * ```
   */
  logs(ref: string, options: LogsOptions = {}): AsyncIterableIterator<LogEntry> {
    flagTokens('logs', options)
    return followLogs(() => this.ctx().paths, ref, options)
  }

  /**
   * Runs `cmd` in the running container (`tsc-box exec`), resolving with its exit status and
   * its output (buffers, or the streams given).
   *
   * @example
   * ```ts
   * const r = await box.containers.exec('web', ['cat', '/etc/hostname'])
   * ```
   */
  exec(ref: string, cmd: string[], options: ExecOptions = {}): Promise<ExecOutput> {
    return coded(async () => {
      const {stdin, stdout, stderr, ...flagOptions} = options
      if ('interactive' in flagOptions || 'tty' in flagOptions)
        throw new TscBoxError('invalid_usage', 'the SDK has no terminal: give stdin with the stdin option; tty is not available')
      if (cmd.length === 0) throw new TscBoxError('invalid_usage', 'exec needs a command')
      const {runtime} = this.ctx()
      const id = this.view(ref).id
      const args = [...flagTokens('exec', flagOptions), ...(stdin === undefined ? [] : ['--interactive']), '--json']
      if (this.root !== undefined) args.push(`--root=${this.root}`)
      const out = outputStreams({stdout, stderr})
      const exitCode = await frontExec(runtime, [...args, id, ...cmd], out, stdin, options.detach === true)
      return {exitCode, ...out.buffers()}
    })
  }

  /** One reading of CPU, memory and pids (`tsc-box stats --no-stream --json`): of `refs`, or of every running container. */
  stats(...refs: string[]): Promise<StatsEntry[]> {
    return coded(async () => (await statsReading(this.ctx().paths, refs)).entries)
  }
}
