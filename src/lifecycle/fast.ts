/**
 * The commands (exec, rm, ps, inspect, images, logs, wait, cp, port, stop, kill, pause, unpause) bin/run.js dispatches without loading oclif (whose start costs more
 * than a whole `exec` or `rm`): the same code the oclif commands run, with the lean flag
 * parser. Returns the exit status, or undefined to let oclif handle the command (--help).
 */
import {jsonRequested as jsonInArgv, parseArgv} from '../cli/argv'
import {parserFlags, splitFlags} from '../cli/table'
export {reportError} from '../cli/error-output'
import {execCommand, execFlags} from './exec'

const rmFlags = parserFlags('rm')
const psFlags = parserFlags('ps')
const inspectFlags = parserFlags('inspect')
const imagesFlags = parserFlags('images')
const logsFlags = parserFlags('logs')
const waitFlags = parserFlags('wait')
const cpFlags = parserFlags('cp')
const portFlags = parserFlags('port')

/** `cp` for a stopped container (the front door copies for running ones) or without a built runtime. */
async function cp(argv: readonly string[]): Promise<number | undefined> {
  const {flagTokens, positionals} = splitFlags(argv, cpFlags)
  const {flags} = await parseArgv(flagTokens, cpFlags, 'cp')
  if (flags.help || positionals.length !== 2) return undefined
  const {cpCommand} = await import('./cp')
  const {currentPathEnv, resolvePaths} = await import('../paths')
  const paths = resolvePaths(flags.root as string | undefined, currentPathEnv())
  const r = await cpCommand(positionals[0] as string, positionals[1] as string, flags, paths)
  if (flags.json) process.stdout.write(`${JSON.stringify(r)}\n`)
  return 0
}

/** `port` without a built runtime: the same Rust code through the binding. */
async function port(argv: readonly string[]): Promise<number | undefined> {
  const {flagTokens, positionals} = splitFlags(argv, portFlags)
  const {flags} = await parseArgv(flagTokens, portFlags, 'port')
  if (flags.help || positionals.length < 1 || positionals.length > 2) return undefined
  const {portCommand} = await import('./port')
  const {currentPathEnv, resolvePaths} = await import('../paths')
  const paths = resolvePaths(flags.root as string | undefined, currentPathEnv())
  const {text, bindings} = portCommand(positionals[0] as string, positionals[1], paths)
  if (flags.json) process.stdout.write(`${JSON.stringify(bindings, null, 2)}\n`)
  else if (text !== '') process.stdout.write(`${text}\n`)
  return 0
}

/** `wait` without a built runtime: the same Rust code through the binding. */
async function wait(argv: readonly string[]): Promise<number | undefined> {
  const {flagTokens, positionals: refs} = splitFlags(argv, waitFlags)
  const {flags} = await parseArgv(flagTokens, waitFlags, 'wait')
  if (flags.help || refs.length === 0) return undefined
  const {waitContainer} = await import('./wait')
  const {eachRef} = await import('./context')
  const {resolveContainer} = await import('./resolve')
  const {currentPathEnv, resolvePaths} = await import('../paths')
  const paths = resolvePaths(flags.root as string | undefined, currentPathEnv())
  const out = await eachRef(
    refs,
    async (ref) => {
      const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
      return {id: v.id, name: v.name, exitCode: waitContainer(paths, v.id)}
    },
    (_ref, r) => flags.json || process.stdout.write(`${r.exitCode}\n`),
  )
  if (flags.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  return 0
}

/** `logs` without a built runtime: the same Rust code through the binding. */
async function logs(argv: readonly string[]): Promise<number | undefined> {
  const {flagTokens, positionals} = splitFlags(argv, logsFlags)
  const {flags} = await parseArgv(flagTokens, logsFlags, 'logs')
  if (flags.help || positionals.length !== 1) return undefined
  const {logsCommand} = await import('./logs')
  const {currentPathEnv, resolvePaths} = await import('../paths')
  const paths = resolvePaths(flags.root as string | undefined, currentPathEnv())
  const entries = logsCommand(positionals[0] as string, flags as Parameters<typeof logsCommand>[1], paths, flags.json === true)
  if (flags.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`)
  return 0
}

/** `images` without a built runtime: the same Rust code through the binding. */
async function images(argv: readonly string[]): Promise<number | undefined> {
  const {flags, rest} = await parseArgv(argv, imagesFlags, 'images')
  if (flags.help || rest.length > 0) return undefined
  const {imagesCommand} = await import('../image/list')
  const {currentPathEnv, resolvePaths} = await import('../paths')
  const paths = resolvePaths(flags.root as string | undefined, currentPathEnv())
  const out = imagesCommand(flags as Parameters<typeof imagesCommand>[0], paths, flags.json === true)
  if (out !== null) process.stdout.write(`${out}\n`)
  return 0
}

/** `inspect` without a built runtime: the same Rust code through the binding. */
type InspectKind = import('./inspect').InspectKind
async function inspect(argv: readonly string[]): Promise<number | undefined> {
  const {flagTokens, positionals: refs} = splitFlags(argv, inspectFlags)
  const {flags} = await parseArgv(flagTokens, inspectFlags, 'inspect')
  if (flags.help || refs.length === 0) return undefined
  const {inspectCommand} = await import('./inspect')
  const {currentPathEnv, resolvePaths} = await import('../paths')
  const paths = resolvePaths(flags.root as string | undefined, currentPathEnv())
  inspectCommand(refs, {format: flags.format as string | undefined, kind: flags.type as InspectKind | undefined, json: flags.json === true}, paths)
  return 0
}

/** `ps` without a built runtime: the same Rust code through the binding. */
async function ps(argv: readonly string[]): Promise<number | undefined> {
  const {flags, rest} = await parseArgv(argv, psFlags, 'ps')
  // Arguments are oclif's to refuse, with its message.
  if (flags.help || rest.length > 0) return undefined
  const {psCommand} = await import('./ps')
  const {currentPathEnv, resolvePaths} = await import('../paths')
  const paths = resolvePaths(flags.root as string | undefined, currentPathEnv())
  const out = psCommand(flags as Parameters<typeof psCommand>[0], paths, flags.json === true)
  if (out !== null) process.stdout.write(`${out}\n`)
  return 0
}

/** `stop`, `kill`, `pause`, `unpause` without a built runtime: the same Rust code through the binding. */
async function lifecycle(verb: import('./verbs').LifecycleVerb, argv: readonly string[]): Promise<number | undefined> {
  const flagSet = parserFlags(verb)
  const {flagTokens, positionals: refs} = splitFlags(argv, flagSet)
  const {flags} = await parseArgv(flagTokens, flagSet, verb)
  if (flags.help || refs.length === 0) return undefined
  const {context, eachRef} = await import('./context')
  const {lifecycleOp} = await import('./verbs')
  const op = lifecycleOp(verb, flags as import('./verbs').LifecycleFlags, context(flags.root as string | undefined))
  const out = await eachRef(refs, op, (ref) => flags.json || process.stdout.write(`${ref}\n`))
  if (flags.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  return 0
}

/** `network ls` without a built runtime: the same Rust code through the binding; --json is oclif's. */
async function networkLs(argv: readonly string[]): Promise<number | undefined> {
  const {flags, rest} = await parseArgv(argv, parserFlags('network:ls'), 'network:ls')
  if (flags.help || flags.json || rest.length > 0) return undefined
  const {call} = await import('../image/native')
  const f = flags as {quiet?: boolean; 'no-trunc'?: boolean; filter?: string[]; format?: string}
  const out = call((n) => n.networkLsOutput({quiet: f.quiet === true, noTrunc: f['no-trunc'] === true, filters: f.filter ?? [], format: f.format}))
  if (out !== null && out !== undefined) process.stdout.write(`${out}\n`)
  return 0
}

/** `volume ls` without a built runtime: the same Rust code through the binding; --json is oclif's. */
async function volumeLs(argv: readonly string[]): Promise<number | undefined> {
  const {flags, rest} = await parseArgv(argv, parserFlags('volume:ls'), 'volume:ls')
  if (flags.help || flags.json || rest.length > 0) return undefined
  const {volumes} = await import('../volume/store')
  const {currentPathEnv, resolvePaths} = await import('../paths')
  const f = flags as {quiet?: boolean; filter?: string[]; format?: string; root?: string}
  const out = volumes(resolvePaths(f.root, currentPathEnv()), (s) => s.ls({quiet: f.quiet === true, filters: f.filter ?? [], format: f.format}, false))
  if (out !== '') process.stdout.write(`${out}\n`)
  return 0
}

async function rm(argv: readonly string[]): Promise<number | undefined> {
  // docker accepts flags after the names too (rm ID -f): split them out, --root with its value.
  const {flagTokens, positionals: names} = splitFlags(argv, rmFlags)
  const {flags} = await parseArgv(flagTokens, rmFlags, 'rm')
  const rest = names
  if (flags.help || rest.length === 0) return undefined
  const {context, eachRef} = await import('./context')
  const {removeContainerFully} = await import('../container/remove')
  const {resolveContainer} = await import('./resolve')
  const {paths, runtime} = context(flags.root as string | undefined)
  const out = await eachRef(
    rest,
    async (ref) => {
      const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
      removeContainerFully(runtime, paths, v.id, flags.force === true, flags.volumes === true)
      return {id: v.id, name: v.name}
    },
    (ref) => flags.json || process.stdout.write(`${ref}\n`),
  )
  if (flags.json) process.stdout.write(`${JSON.stringify(out)}\n`)
  return 0
}

export async function fastCommand(verb: string, argv: readonly string[]): Promise<number | undefined> {
  if (verb === 'exec') return execCommand(argv)
  if (verb === 'rm') return rm(argv)
  if (verb === 'ps') return ps(argv)
  if (verb === 'inspect') return inspect(argv)
  if (verb === 'images') return images(argv)
  if (verb === 'logs') return logs(argv)
  if (verb === 'wait') return wait(argv)
  if (verb === 'cp') return cp(argv)
  if (verb === 'port') return port(argv)
  if (verb === 'stop' || verb === 'kill' || verb === 'pause' || verb === 'unpause') return lifecycle(verb, argv)
  if (verb === 'network:ls') return networkLs(argv)
  if (verb === 'volume:ls') return volumeLs(argv)
  return undefined
}

export function jsonRequested(verb: string, argv: readonly string[]): boolean {
  if (verb === 'rm') return argv.includes('--json')
  if (verb === 'ps') return jsonInArgv(argv, psFlags)
  if (verb === 'inspect') return argv.includes('--json')
  if (verb === 'images') return jsonInArgv(argv, imagesFlags)
  if (['logs', 'wait', 'cp', 'port', 'stop', 'kill', 'pause', 'unpause', 'network:ls', 'volume:ls'].includes(verb)) return argv.includes('--json')
  return jsonInArgv(argv, execFlags)
}
