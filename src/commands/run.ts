/**
 * `tsc-box run` as oclif sees it: its help and manifest entry. bin/run.js normally skips oclif
 * and calls runCommand directly; this class runs the same code when oclif dispatches.
 */
import {Args} from '@oclif/core'
import {BaseCommand, asOclifFlags} from '../base-command'
import {runFlags} from '../run/flags'
import {runCommand} from '../run/main'

export default class Run extends BaseCommand {
  static override summary = 'Run a command in a new container'
  static override description =
    'Flags are parsed up to the first positional argument; everything after it is the command and its arguments, passed through untouched.'
  static override usage = 'run [FLAGS] (--rootfs DIR | IMAGE) [CMD [ARG...]]'
  static override strict = false
  static override args = {
    command: Args.string({description: 'the IMAGE to run, or with --rootfs the command'}),
  }
  static override flags = asOclifFlags(runFlags)
  static override examples = [
    '<%= config.bin %> run --rm --rootfs /srv/alpine sh -c "echo hello"',
    '<%= config.bin %> run --rm -it -v /data:/data:ro --rootfs /srv/alpine sh',
  ]

  async run(): Promise<void> {
    this.parsed = true // runCommand parses argv itself: oclif's parser would take the command's own flags
    const r = await runCommand(this.argv)
    if (r.kind === 'help') {
      await this.showHelpOf('run')
      return
    }
    process.exitCode = r.exitCode
  }
}
