/** `tsc-box push IMAGE [DESTINATION]`: an image to a registry. */
import {defineAction} from '../cli/action'
import {push} from '../image/registry/push'
import {silentProgress, stderrProgress} from '../image/registry/progress'

export default defineAction({
  args: {
    image: {required: true, description: 'local image reference, ID or digest'},
    destination: {required: false, description: 'registry reference to push to (default: the image reference)'},
  },
  async run(cmd): Promise<{digest: string; reference: string}> {
    const {args, flags} = cmd
    const dataRoot = cmd.paths().dataRoot
    const quiet = Boolean(flags.quiet) || cmd.json
    const r = await push(args.image, args.destination, {
      dataRoot,
      tlsVerify: flags['tls-verify'] === undefined ? undefined : flags['tls-verify'] === 'true',
      progress: quiet ? silentProgress() : stderrProgress('Pushing'),
    })
    if (!cmd.json && !flags.quiet) cmd.log(`${r.reference}: digest ${r.digest}`)
    return r
  },
})
