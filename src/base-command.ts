/**
 * The base of every oclif command: `--json` (oclif's json flag), `--root`, and error output
 * through the CLI's one error mapping (src/cli/error-output.ts).
 */
import {Command, loadHelpClass, type Interfaces} from '@oclif/core'
import {reportError} from './cli/error-output'
import {rootFlag} from './cli/global-flags'
import {currentPathEnv, resolvePaths, type Paths} from './paths'

/** Our lean flag objects have oclif's runtime shape; only the static types differ. */
export function asOclifFlags(flags: object): Interfaces.FlagInput {
  return flags as unknown as Interfaces.FlagInput
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

  /** Never rethrows: the error is reported here, once, and becomes the exit status. */
  protected override async catch(err: Error & {exitCode?: number}): Promise<void> {
    process.exitCode = reportError(err, this.jsonEnabled())
  }
}
