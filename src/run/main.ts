/**
 * `tsc-box run`: validate, create the container's bundle, launch the runtime in the
 * foreground, report. This module is the fast path: bin/run.js calls it without loading
 * oclif, so it must stay free of heavy imports and of work at import time.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {jsonRequested as jsonInArgv, parseArgv} from '../cli/argv'
export {reportError} from '../cli/error-output'
import {createContainer, removeContainer, saveRecord, writeConfig, writeEtcFiles, type ContainerFiles} from '../container/bundle'
import {newContainerId, shortId} from '../container/id'
import {readRecord, type ContainerRecord} from '../container/record'
import {CliError} from '../errors'
import {buildSpec} from '../oci/builder'
import {applyProcessLimits} from '../oci/process-limits'
import {applyResources} from '../oci/resources'
import {applySecurity} from '../oci/security'
import {currentUsernsHost, type UsernsHost} from '../oci/security-userns'
import {readSubid} from '../oci/subid'
import {claimAutoBlock} from '../container/userns-auto'
import {validateName} from '../container/names'
import {currentPathEnv, ensureOwnRunDir, resolvePaths, runtimeRoot, type Paths} from '../paths'
import {requireRuntime} from '../runtime/locate'
import {parseRuntimeLog, runOutcome, type ProcessStatus} from '../runtime/log'
import {type RunFlags, runParserFlags} from './flags'
import {callerTerminalSize, launch, type LaunchIo} from './launch'
import {SignalForwarder} from './signals'
import {validateRun} from './validate'
import {imageContent, makeMounts, planMounts} from '../volume/plan'
import {resolveContainer} from '../lifecycle/resolve'
import {containerConfig, parseLabels, type Asked} from './container-config'
import {applyImage, prepareImageRun, type PreparedImage} from '../image/run'
import {startDetachedRun} from '../lifecycle/detach'
import {applyNetwork, networkEtcFiles, prepareNetwork, writeNetworkPlan} from '../network/plan'

export interface RunResult {
  id: string
  name: string
  exitCode: number
  oomKilled: boolean
  /** `run -d` / `create`: the container was handed to a monitor (or left created). */
  detached?: boolean
}

/** Whether a failed `run` command line asked for --json errors. */
export function jsonRequested(_verb: string, argv: readonly string[]): boolean {
  return jsonInArgv(argv, runParserFlags)
}

/** What the caller of runCommand does next. */
export type RunCommandResult = {kind: 'help'} | {kind: 'done'; exitCode: number}

function readHostResolvConf(): string {
  try {
    return fs.readFileSync('/etc/resolv.conf', 'utf8')
  } catch {
    return ''
  }
}

async function runRuntime(runtime: string, args: string[]): Promise<ProcessStatus> {
  return launch({file: runtime, args, stdin: false})
}

/**
 * A foreground `run` deletes its own state when it ends; if the runtime died before that, its
 * state (and with it the cgroup) is removed here, so that no path leaves anything behind.
 */
async function removeRuntimeState(paths: Paths, runtime: string, id: string): Promise<void> {
  if (!fs.existsSync(path.join(runtimeRoot(paths), id))) return
  await runRuntime(runtime, ['--root', runtimeRoot(paths), 'delete', '--force', id]).catch(() => undefined)
}

/**
 * Rewrites the record without its creator, once the monitor has the container. Every `rm`
 * (the one a `--rm` container's monitor runs when it ends included) waits for this; only one
 * that gave up waiting can have removed the directory by now, and then the run itself still
 * did what it was asked: a missing directory is no error.
 */
function releaseToOthers(files: ContainerFiles, record: ContainerRecord): void {
  saveRecord(files, record, true)
}

/** The container's directory with its record, then its name, a random one unless given (src/container/bundle.ts). */
function claimContainer(dataRoot: string, record: ContainerRecord, given: string | undefined): {files: ContainerFiles; name: string} {
  return createContainer(dataRoot, {...record, name: given ?? ''})
}

/** bin/run.js's call into every bundle: the exit status, or undefined for oclif's help. */
export async function fastCommand(_verb: string, argv: readonly string[]): Promise<number | undefined> {
  const r = await runCommand(argv)
  return r.kind === 'help' ? undefined : r.exitCode
}

/**
 * Runs a container from the command line after `run`. Returns the exit status for the
 * process, or asks for help to be shown by oclif. Throws CliError for tsc-box's failures.
 */
export async function runCommand(argv: readonly string[]): Promise<RunCommandResult> {
  const signals = new SignalForwarder()
  try {
    const {flags: parsed, rest} = await parseArgv(argv, runParserFlags, 'run')
    // The table's rows for run are what RunFlags describes (__test__/cli-table.test.ts).
    const flags = parsed as unknown as RunFlags
    if (flags.help) return {kind: 'help'}
    return await runAndReport(flags, rest, signals)
  } finally {
    signals.dispose()
  }
}

async function runAndReport(flags: RunFlags, rest: string[], signals: SignalForwarder): Promise<RunCommandResult> {
  const json = flags.json
  const result = await runContainer(flags, rest, signals)
  if (result.oomKilled) process.stderr.write(`tsc-box: warning: container ${shortId(result.id)} was killed because it ran out of memory (OOM)\n`)
  if (result.detached && !json) process.stdout.write(`${result.id}\n`)
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`)
  return {kind: 'done', exitCode: result.exitCode}
}

/**
 * `run IMAGE`: the image's overlay is mounted first and released on every way out. `io`: the
 * SDK's streams for a foreground container's stdio (src/run/launch-piped.ts).
 */
export async function runContainer(flags: RunFlags, positionals: string[], signals?: SignalForwarder, io?: LaunchIo): Promise<RunResult> {
  const asked: Asked = {entrypoint: flags.entrypoint, positionals}
  const image = await prepareImageRun(flags, positionals)
  if (image === undefined) return runPrepared(flags, positionals, signals, undefined, asked, io)
  let removeUpper = true
  let keepMounted = false
  try {
    const result = await runPrepared(image.flags, image.positionals, signals, image, asked, io)
    removeUpper = flags.rm
    // A detached container keeps its root filesystem until `rm`.
    keepMounted = result.detached === true
    return result
  } finally {
    if (!keepMounted) image.release(removeUpper)
  }
}

/** The caller's ids and ranges, with the id block of --userns=auto claimed for `id`. */
function claimUserns(flags: RunFlags, dataRoot: string, id: string): UsernsHost {
  const host: UsernsHost = {...currentUsernsHost(), userGiven: flags.user !== undefined}
  if (flags.userns !== 'auto') return host
  // Root hands out the ranges of the user "tsc-box" (podman's "containers"); a rootless
  // user, its own.
  const owner = host.uid === 0 ? 'tsc-box' : (host.name ?? String(host.uid))
  const uids = host.uid === 0 ? readSubid('/etc/subuid', owner, -1) : host.subuid
  const gids = host.uid === 0 ? readSubid('/etc/subgid', owner, -1) : host.subgid
  return {...host, auto: claimAutoBlock(dataRoot, id, uids, gids, owner)}
}

async function runPrepared(
  flags: RunFlags,
  positionals: string[],
  signals?: SignalForwarder,
  image?: PreparedImage<RunFlags>,
  asked: Asked = {entrypoint: flags.entrypoint, positionals},
  io?: LaunchIo,
): Promise<RunResult> {
  // Whatever can be refused without the root filesystem is, before anything exists on disk.
  if (flags.name !== undefined) validateName(flags.name)
  const labels = parseLabels(flags)
  const runtime = requireRuntime()
  const paths = resolvePaths(flags.root, currentPathEnv())
  const mounts = planMounts(flags, {
    cwd: process.cwd(),
    paths,
    imageVolumes: image?.config.volumes ?? [],
    resolveContainer: (ref) => resolveContainer(paths.dataRoot, ref, paths.runDir).id,
  })
  const network = await prepareNetwork(flags, {dataRoot: paths.dataRoot, runDir: paths.runDir, runtime, exposed: image?.config.exposedPorts})
  // A --rootfs run is checked whole here too. An image's root filesystem can be read only
  // once its overlay is mounted, and that comes after the container's record (below).
  const early = image === undefined ? validateRun(flags, positionals, process.env) : undefined

  const id = newContainerId()
  // Step by step, each recorded before it is taken, so that a SIGKILL anywhere leaves what
  // `ps -a` lists and `rm`/`container prune` remove: the directory with a "creating" record
  // that names this process and where the overlay will be, the name, the overlay, the
  // bundle, and the record's final state just before the launch.
  const initial: ContainerRecord = {
    id,
    name: '',
    created: new Date().toISOString(),
    rootfs: early?.rootfs ?? flags.rootfs ?? '',
    command: early?.args ?? (flags.entrypoint ? [flags.entrypoint, ...positionals] : positionals),
    status: 'creating',
    exitCode: null,
    // Before any volume is made: `volume rm` sees it in use, and a removal finds its own.
    mounts: mounts.map((m) => m.point),
    oomKilled: false,
  }
  const {files, name} = claimContainer(paths.dataRoot, initial, flags.name)

  let launched = false
  try {
    await image?.mount()
    const v = early ?? validateRun(flags, positionals, process.env)
    // Copy-up reads the image where this process sees it, or, rootless, from its layers.
    const specMounts = makeMounts(mounts, paths, imageContent(v.rootfs, image?.rootfs, runtime))
    const hostname = v.hostname ?? shortId(id)
    const spec = buildSpec({
      id,
      rootfs: v.rootfs,
      readonly: flags['read-only'],
      args: v.args,
      env: v.env,
      cwd: v.cwd,
      user: v.user,
      terminal: flags.tty,
      // The runtime sizes the pty from its stdin, which is /dev/null without -i.
      consoleSize: flags.tty ? callerTerminalSize() : undefined,
      hostname,
      domainname: v.domainname,
      mounts: specMounts,
      etcFiles: files.etc,
      init: flags.init ? runtime : undefined,
    })
    // FEATURE HOOKS: feature modules apply their parsed flags to the spec here. The id block
    // of --userns=auto is claimed with the container's directory in place (it is released
    // with the container, by any removal).
    const usernsHost = claimUserns(flags, paths.dataRoot, id)
    applyResources(spec, flags)
    applyProcessLimits(spec, flags)
    applySecurity(spec, {...flags, usernsHost})
    applyImage(spec, image)
    applyNetwork(spec, network, {runtime, containerDir: files.dir})

    writeEtcFiles(files, {
      hostname: `${hostname}\n`,
      ...networkEtcFiles(network, {hostname, domainname: v.domainname, hostResolvConf: readHostResolvConf()}),
    })
    writeNetworkPlan(network, {containerDir: files.dir, hostsPath: files.etc.hosts, id, name, hostname, domainname: v.domainname})
    writeConfig(files, spec)
    const record: ContainerRecord = {
      ...initial,
      name,
      rootfs: v.rootfs,
      command: v.args,
      config: containerConfig({
        flags,
        asked,
        image: image && {id: image.image.id, ...image.config},
        env: v.env,
        user: flags.user ?? '',
        workingDir: flags.workdir ?? '',
        hostname,
        network,
        labels,
      }),
      // The bundle is complete: written just before the launch (a failed launch removes it).
      status: flags['no-start'] || flags.detach ? 'created' : 'running',
    }
    ensureOwnRunDir(paths.runDir, process.getuid?.() ?? 0)
    fs.mkdirSync(runtimeRoot(paths), {recursive: true, mode: 0o700})

    if (flags.detach || flags['no-start']) {
      // Still this process's while it hands the container to a monitor: `rm` waits, `start`
      // and `prune` keep off. A kill meanwhile leaves it created, as docker's would be.
      saveRecord(files, {...record, creator: readRecord(files.dir).creator})
      launched = true
      await startDetachedRun({
        rm: flags.rm,
        restart: flags.restart ?? 'no',
        start: !flags['no-start'],
        runtime,
        paths,
        id,
        dir: files.dir,
        runtimeLog: files.log,
      })
      releaseToOthers(files, record)
      return {id, name, exitCode: 0, oomKilled: false, detached: true}
    }
    // From here the runtime holds the container: `rm -f` kills it, as any running one. Its
    // start and end are recorded as a monitor records a detached one's (ps's "Up 3 seconds").
    const running: ContainerRecord = {...record, startedAt: new Date().toISOString()}
    saveRecord(files, running)

    const status = await launch({
      file: runtime,
      args: ['--root', runtimeRoot(paths), '--log', files.log, '--log-format', 'json', 'run', '-b', files.dir, id],
      stdin: flags.interactive,
      relayTerminals: !flags.tty,
      // docker keeps every container's log, a foreground one's too (`logs` reads it). Not a
      // --rm one's: removed when it ends, its log would be read by nobody after, and the
      // pipes' relay would cost every `run --rm` (the fast path) a few milliseconds.
      log: flags.rm ? undefined : path.join(files.dir, 'container.log'),
      signals,
      io,
      onSpawn: () => {
        launched = true
      },
    })
    await removeRuntimeState(paths, runtime, id)
    let logText = ''
    try {
      logText = fs.readFileSync(files.log, 'utf8')
    } catch {
      // no log: the runtime never got as far as opening it
    }
    const outcome = runOutcome(parseRuntimeLog(logText), status)
    // The runtime prints its errors on stderr itself; the CLI adds only the exit status and JSON.
    if (outcome.kind === 'failed') throw new CliError(`runtime_${outcome.errorKind}`, outcome.message, outcome.exitCode, {shown: outcome.fromLog})

    // docker's --rm removes the container's anonymous volumes too.
    if (flags.rm) removeContainer(paths.dataRoot, id, name, true)
    else saveRecord(files, {...running, status: 'exited', exitCode: outcome.exitCode, oomKilled: outcome.oomKilled, finishedAt: new Date().toISOString()})
    return {id, name, exitCode: outcome.exitCode, oomKilled: outcome.oomKilled}
  } catch (e) {
    if (launched) await removeRuntimeState(paths, runtime, id)
    removeContainer(paths.dataRoot, id, name, true)
    throw e
  }
}
