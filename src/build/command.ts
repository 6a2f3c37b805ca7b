/**
 * What `tsc-box build` does once its command line is parsed, called by its action
 * (src/actions/build.ts).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {pipeline} from 'node:stream/promises'
import {CliError, isCliError} from '../errors'
import {callAsync, call} from '../image/native'
import {parseShmSize, parseUlimit} from '../oci/process-limits'
import {currentPathEnv, resolvePaths} from '../paths'
import {type BuildResult, Builder} from './builder'
import {buildProgress, type ProgressMode} from './progress'

/** docker's --pull is a switch; podman's also takes a policy (--pull=missing), which goes to the hidden --pull-policy. */
export function pullPolicyArgv(argv: readonly string[]): string[] {
  return argv.map((a) => (a.startsWith('--pull=') ? `--pull-policy=${a.slice('--pull='.length)}` : a))
}

export async function buildCommand(contextArg: string, flags: Record<string, unknown>, json: boolean): Promise<BuildResult> {
  const quiet = flags.quiet as boolean
  const buildArgs = new Map<string, string>()
  for (const a of (flags['build-arg'] as string[] | undefined) ?? []) {
    const i = a.indexOf('=')
    if (i === 0) throw new CliError('build_context', `invalid --build-arg ${JSON.stringify(a)}`)
    if (i > 0) buildArgs.set(a.slice(0, i), a.slice(i + 1))
    else if (process.env[a] !== undefined) buildArgs.set(a, process.env[a]!)
  }
  const labels: Record<string, string> = {}
  for (const l of (flags.label as string[] | undefined) ?? []) {
    const i = l.indexOf('=')
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1)
  }
  const secrets = new Map<string, string>()
  for (const spec of (flags.secret as string[] | undefined) ?? []) {
    const kv = new Map(spec.split(',').map((p) => [p.slice(0, p.indexOf('=') < 0 ? p.length : p.indexOf('=')), p.slice(p.indexOf('=') + 1)]))
    const id = kv.get('id')
    const src = kv.get('src') ?? kv.get('source')
    if (!id || !src) throw new CliError('build_context', `invalid --secret ${JSON.stringify(spec)}: expected id=ID,src=FILE`)
    if (!fs.statSync(src, {throwIfNoEntry: false})?.isFile()) throw new CliError('build_context', `--secret ${id}: ${src} is not a file`)
    secrets.set(id, fs.realpathSync(src))
  }
  const policy = (flags['pull-policy'] as 'always' | 'missing' | 'never' | undefined) ?? (flags.pull ? 'always' : 'missing')
  const sde = process.env.SOURCE_DATE_EPOCH
  let epoch = flags.timestamp as number | undefined
  if (epoch === undefined && sde !== undefined && sde !== '') {
    if (!/^\d+$/.test(sde)) throw new CliError('build_context', `SOURCE_DATE_EPOCH=${sde} is not a number of seconds`)
    epoch = Number(sde)
  }
  const file = flags.file as string | undefined
  const network = flags.network as string | undefined
  const progress = buildProgress(flags.progress as ProgressMode | undefined, {quiet, json})
  // `build -`: stdin is a tar of the context (plain, gzip or zstd; unpacked with a layer's
  // checks) or, when it is no archive, the Dockerfile itself with an empty context.
  let context = contextArg
  let stdinDockerfile: string | undefined
  let stdinDir: string | undefined
  if (context === '-') {
    if (flags.file === '-') throw new CliError('build_context', 'the context and the Dockerfile cannot both come from stdin')
    const dataRoot = resolvePaths(flags.root as string | undefined, currentPathEnv()).dataRoot
    stdinDir = path.join(dataRoot, 'builder', 'tmp', `stdin-${process.pid}-${Date.now().toString(36)}`)
    fs.mkdirSync(stdinDir, {recursive: true, mode: 0o700})
    const file = path.join(stdinDir, 'stdin')
    await pipeline(process.stdin, fs.createWriteStream(file, {mode: 0o600}))
    context = path.join(stdinDir, 'context')
    if (call((n) => n.archiveIsArchive(file))) await callAsync((n) => n.archiveUnpackTo(file, context))
    else {
      stdinDockerfile = fs.readFileSync(file, 'utf8')
      fs.mkdirSync(context, {mode: 0o700})
    }
  }
  // Refused before any step runs, with run's own errors.
  for (const u of (flags.ulimit as string[] | undefined) ?? []) parseUlimit(u)
  if (flags['shm-size'] !== undefined) parseShmSize(flags['shm-size'] as string)
  const builder = new Builder(
    {
      root: flags.root as string | undefined,
      context,
      file: file === '-' ? undefined : file,
      dockerfileText: file === '-' ? fs.readFileSync(0, 'utf8') : stdinDockerfile,
      tags: (flags.tag as string[] | undefined) ?? [],
      buildArgs,
      target: flags.target as string | undefined,
      noCache: flags['no-cache'] as boolean,
      pull: policy,
      network: network === 'default' ? undefined : network,
      labels,
      quiet,
      json,
      platform: flags.platform as string | undefined,
      epoch,
      secrets,
      addHosts: (flags['add-host'] as string[] | undefined) ?? [],
      shmSize: flags['shm-size'] as string | undefined,
      ulimits: (flags.ulimit as string[] | undefined) ?? [],
    },
    (e) => progress.event(e),
  )
  let result: BuildResult
  // Ctrl-C and SIGTERM end the build the way a failure does: the step's container, overlay
  // and unfinished image removed (docker build exits 1 too).
  const onSignal = (sig: NodeJS.Signals) => builder.abort(sig)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    result = await builder.build()
  } catch (e) {
    progress.fail(e)
    // docker build exits 1 for whatever made the build fail (a missing base image too).
    if (isCliError(e) && e.exitCode !== 1) throw new CliError(e.code, e.message, 1, {shown: e.shown})
    throw e
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    if (stdinDir !== undefined) fs.rmSync(stdinDir, {recursive: true, force: true})
  }
  const iid = flags.iidfile as string | undefined
  if (iid !== undefined) fs.writeFileSync(iid, result.id)
  progress.finish(result)
  return result
}
