/**
 * A command's action, written once (src/actions/<id>.ts, `network:create` in
 * src/actions/network/create.ts): what the command does with its parsed flags and positional
 * arguments, without @oclif/core. Two doors call it: the fast dispatcher (src/cli/dispatch.ts,
 * bundled with a V8 code cache, no oclif) and the oclif class in src/commands/ (help, aliases),
 * a thin wrapper (BaseCommand.runAction). Both print a returned result under --json as oclif's
 * enableJsonFlag does, and report errors through src/cli/error-output.ts.
 */
import {currentPathEnv, resolvePaths, type Paths} from '../paths'
import type {Parsers} from './table'

/** A positional argument, in the order of the command line (oclif's Args.string). */
export interface ArgDef {
  description: string
  required?: boolean
}

/** The positionals of `A` by name: a required one is always there (else oclif answers). */
export type ArgValues<A extends Record<string, ArgDef>> = {[K in keyof A]: A[K] extends {required: true} ? string : string | undefined}

export interface ActionInput<A extends Record<string, ArgDef> = Record<string, ArgDef>> {
  /** The command as invoked: its table id, or through oclif an alias (`container:inspect`). */
  id: string
  flags: Record<string, unknown>
  /** The positionals by the names of `args`. */
  args: ArgValues<A>
  /** Every positional, in order (what a non-strict command takes beyond its `args`). */
  argv: string[]
  /** --json: the returned result is printed as JSON, `log` prints nothing. */
  json: boolean
  /** A line on stdout unless --json (oclif's this.log). */
  log(text: string): void
  /** A warning on stderr unless --json (oclif's this.warn). */
  warn(text: string): void
  /** The data root and run directory of --root (or TSC_BOX_ROOT, or the default). */
  paths(): Paths
}

/** An action whose flags and arguments the generic parser reads (oclif's rules). */
export interface ParsedAction<R = unknown, A extends Record<string, ArgDef> = Record<string, ArgDef>> {
  args?: A
  /** false: more positionals than `args` are taken (in `argv`); oclif's `strict`. */
  strict?: boolean
  /** The conversions the table names by `parse` (src/cli/table.ts tableFlags). */
  parsers?: Parsers
  /** Rewrites the command line before it is parsed (build's --pull=POLICY). */
  rewriteArgv?: (argv: string[]) => string[]
  run(input: ActionInput<A>): Promise<R> | R
}

/** An action, its arguments' names and requiredness typed from `args`. */
export function defineAction<const A extends Record<string, ArgDef>, R>(action: ParsedAction<R, A>): ParsedAction<R, A> {
  return action
}

/**
 * An action that reads its own command line because its flags end at the first positional
 * (exec and create: what follows is the container's command). Returns the exit status, or
 * undefined when --help was asked for.
 */
export interface ArgvAction {
  runArgv(argv: readonly string[]): Promise<number | undefined>
  /** Whether --json is among the flags (before the container's command). */
  jsonRequested(argv: readonly string[]): boolean
}

export type Action = ParsedAction | ArgvAction

export function isArgvAction(a: Action): a is ArgvAction {
  return 'runArgv' in a
}

/** The output side of ActionInput outside oclif: stdout/stderr as oclif's log and warn write them. */
export function actionInput(id: string, flags: Record<string, unknown>, args: Record<string, string | undefined>, argv: string[]): ActionInput {
  const json = flags.json === true
  return {
    id,
    flags,
    args,
    argv,
    json,
    log: (text) => json || process.stdout.write(`${text}\n`),
    // oclif's warning form.
    warn: (text) => json || process.stderr.write(` ›   Warning: ${text}\n`),
    paths: () => resolvePaths(flags.root as string | undefined, currentPathEnv()),
  }
}

/** A result under --json, as oclif's enableJsonFlag prints it (nothing for a falsy result). */
export function printResult(result: unknown, json: boolean): void {
  if (result && json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}
