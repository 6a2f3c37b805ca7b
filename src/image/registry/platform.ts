/** Choosing the image of an index for a platform (`--platform os/arch[/variant]`). */
import {CliError} from '../../errors'

export interface Platform {
  os: string
  architecture: string
  variant?: string
}

export function hostPlatform(): Platform {
  const arch = {x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x'}[process.arch as string] ?? process.arch
  return {os: 'linux', architecture: arch}
}

export function parsePlatform(s: string | undefined): Platform {
  if (s === undefined || s === '') return hostPlatform()
  const [os, architecture, variant] = s.split('/')
  if (!os || !architecture) throw new CliError('invalid_flag', `invalid --platform "${s}": expected os/arch[/variant]`)
  return {os, architecture, variant}
}

export interface IndexEntry {
  digest: string
  size: number
  mediaType?: string
  platform?: {os?: string; architecture?: string; variant?: string}
}

export function pickManifest(entries: IndexEntry[], want: Platform): IndexEntry {
  const match = entries.find(
    (e) => e.platform?.os === want.os && e.platform?.architecture === want.architecture && (want.variant === undefined || e.platform?.variant === want.variant),
  )
  if (!match) {
    const offered = entries.map((e) => `${e.platform?.os}/${e.platform?.architecture}${e.platform?.variant ? `/${e.platform.variant}` : ''}`).join(', ')
    throw new CliError(
      'no_matching_platform',
      `no image for ${want.os}/${want.architecture}${want.variant ? `/${want.variant}` : ''} (offered: ${offered || 'none'})`,
    )
  }
  return match
}
