/** `tsc-box push IMAGE [DESTINATION]`: an image to a registry. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {push} from '../image/registry/push'
import {silentProgress, stderrProgress} from '../image/registry/progress'

export default class Push extends BaseCommand {
  static override summary = 'Push an image to a registry'
  static override aliases = ['image:push']
  static override args = {
    image: Args.string({required: true, description: 'local image reference, ID or digest'}),
    destination: Args.string({required: false, description: 'registry reference to push to (default: the image reference)'}),
  }
  static override flags = asOclifFlags(tableFlags('push'))

  async run(): Promise<{digest: string; reference: string}> {
    const {args, flags} = await this.parse(Push)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const quiet = Boolean(flags.quiet) || this.jsonEnabled()
    const r = await push(args.image, args.destination, {
      dataRoot,
      tlsVerify: flags['tls-verify'] === undefined ? undefined : flags['tls-verify'] === 'true',
      progress: quiet ? silentProgress() : stderrProgress('Pushing'),
    })
    if (!this.jsonEnabled() && !flags.quiet) this.log(`${r.reference}: digest ${r.digest}`)
    return r
  }
}
