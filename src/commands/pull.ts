/** `tsc-box pull REF`: an image from a registry (OCI distribution API). */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {Flags} from '../cli/flags'
import {shortDigest} from '../image/format'
import {parsePlatform} from '../image/registry/platform'
import {pull} from '../image/registry/pull'
import {silentProgress, stderrProgress} from '../image/registry/progress'

export const tlsVerifyFlag = Flags.string({
  description: 'verify the registry\'s TLS certificate and require HTTPS (default true; a registry on localhost may use HTTP)',
  options: ['true', 'false'],
  helpValue: 'true|false',
})

export default class Pull extends BaseCommand {
  static override summary = 'Pull an image from a registry'
  static override aliases = ['image:pull']
  static override args = {image: Args.string({required: true, description: 'image reference, e.g. localhost:5000/app:1 or busybox@sha256:...'})}
  static override flags = asOclifFlags({
    platform: Flags.string({description: 'platform to pick from a multi-platform image (default: this host)', helpValue: 'OS/ARCH[/VARIANT]'}),
    'tls-verify': tlsVerifyFlag,
    quiet: Flags.boolean({char: 'q', description: 'no progress output'}),
  })

  async run(): Promise<{id: string; digest: string; reference: string}> {
    const {args, flags} = await this.parse(Pull)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const quiet = Boolean(flags.quiet) || this.jsonEnabled()
    const {image, reference} = await pull(args.image, {
      dataRoot,
      tlsVerify: flags['tls-verify'] === undefined ? undefined : flags['tls-verify'] === 'true',
      platform: parsePlatform(flags.platform as string | undefined),
      progress: quiet ? silentProgress() : stderrProgress('Copying'),
    })
    if (!this.jsonEnabled()) this.log(flags.quiet ? image.id : `${reference} ${shortDigest(image.id)} (digest ${image.digest})`)
    return {id: image.id, digest: image.digest, reference}
  }
}
