/**
 * The base of every oclif command: `--json` (oclif's json flag), `--root`, and error output
 * through the CLI's one error mapping (src/cli/error-output.ts).
 */
import {Args, Command, loadHelpClass, type Interfaces} from '@oclif/core'
import type {ArgDef, ParsedAction} from './cli/action'
import {reportError} from './cli/error-output'
import {rootFlag} from './cli/global-flags'
import {currentPathEnv, resolvePaths, type Paths} from './paths'

/** Our lean flag objects have oclif's runtime shape; only the static types differ. */
export function asOclifFlags(flags: object): Interfaces.FlagInput {
  return flags as unknown as Interfaces.FlagInput
}

/** An action's positional arguments as oclif's `static args` (help and oclif's own parse). */
export function oclifArgs(args: Record<string, ArgDef> = {}): Interfaces.ArgInput {
  return Object.fromEntries(Object.entries(args).map(([name, a]) => [name, Args.string({required: a.required === true, description: a.description})]))
}

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true
  static override baseFlags = asOclifFlags({root: rootFlag})

  protected paths(root: string | undefined): Paths {
    return resolvePaths(root, currentPathEnv())
  }

  /** oclif's help for `id`, for the commands that parse their own argv (run, create, exec). */
  protected async showHelpOf(id: string): Promise<void> {
    const Help = await loadHelpClass(this.config)
    await new Help(this.config).showHelp([id])
  }

  /** Parses with oclif and runs the command's action (src/actions/), the same code as the fast door's. */
  protected async runAction<R>(action: ParsedAction<R>): Promise<R> {
    if (action.rewriteArgv) this.argv = action.rewriteArgv(this.argv)
    const {args, argv, flags} = await this.parse(this.ctor)
    return action.run({
      id: this.id ?? '',
      flags: flags as Record<string, unknown>,
      args: args as Record<string, string | undefined>,
      argv: argv as string[],
      json: this.jsonEnabled(),
      log: (text) => this.log(text),
      warn: (text) => this.warn(text),
      paths: () => this.paths(flags.root as string | undefined),
    })
  }

  /** Never rethrows: the error is reported here, once, and becomes the exit status. */
  protected override async catch(err: Error & {exitCode?: number}): Promise<void> {
    process.exitCode = reportError(err, this.jsonEnabled())
  }
}
