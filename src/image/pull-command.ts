/**
 * What `tsc-box pull` does once its command line is parsed, called by its action
 * (src/actions/pull.ts).
 */
import {shortDigest} from './format'
import {parsePlatform} from './registry/platform'
import {pull} from './registry/pull'
import {silentProgress, stderrProgress} from './registry/progress'

export interface PullFlags {
  platform?: string
  'tls-verify'?: string
  quiet?: boolean
}

export interface PullOutcome {
  id: string
  digest: string
  reference: string
  /** What a person sees on stdout (nothing under --json). */
  line: string
}

export async function pullCommand(image: string, dataRoot: string, flags: PullFlags, json: boolean): Promise<PullOutcome> {
  const quiet = Boolean(flags.quiet) || json
  const {image: pulled, reference} = await pull(image, {
    dataRoot,
    tlsVerify: flags['tls-verify'] === undefined ? undefined : flags['tls-verify'] === 'true',
    platform: parsePlatform(flags.platform),
    progress: quiet ? silentProgress() : stderrProgress('Copying'),
  })
  const line = flags.quiet ? pulled.id : `${reference} ${shortDigest(pulled.id)} (digest ${pulled.digest})`
  return {id: pulled.id, digest: pulled.digest, reference, line}
}
