/**
 * Image references, normalised the way docker does it: the rules live once, in Rust
 * (crates/image/src/reference.rs, which the native front door's load uses too); here they are
 * called through the binding. `busybox` means docker.io/library/busybox:latest, `me/app`
 * docker.io/me/app:latest, a first component with a dot, a colon or `localhost` is a registry,
 * and a digest (`@sha256:...`) pins the content.
 */
import {fromNative} from '../errors'
import {native} from '../native'

export const DEFAULT_DOMAIN = 'docker.io'
const OFFICIAL_PREFIX = 'library/'
const DEFAULT_TAG = 'latest'

export interface Reference {
  /** Registry host[:port], e.g. docker.io or localhost:5000. */
  domain: string
  /** Repository path inside the registry, e.g. library/busybox. */
  path: string
  tag?: string
  digest?: string
}

/** Parses and normalises `input`; throws CliError(invalid_reference) on anything docker refuses. */
export function parseReference(input: string): Reference {
  let r: ReturnType<ReturnType<typeof native>['imageParseReference']>
  try {
    r = native().imageParseReference(input)
  } catch (e) {
    throw fromNative(e)
  }
  return {domain: r.domain, path: r.path, tag: r.tag ?? undefined, digest: r.digest ?? undefined}
}

export function formatReference(r: Reference): string {
  const name = `${r.domain}/${r.path}`
  // A digest pins the content: the tag is informational only, as in docker.
  if (r.digest !== undefined) return `${name}@${r.digest}`
  return `${name}:${r.tag ?? DEFAULT_TAG}`
}

/** The fully qualified form the store keys references by. */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input))
}

/** The short form people type: docker.io/library/busybox:latest -> busybox, :latest kept apart. */
export function familiarName(full: string): {repository: string; tag: string} {
  const r = parseReference(full)
  let repo = `${r.domain}/${r.path}`
  if (r.domain === DEFAULT_DOMAIN) repo = r.path.startsWith(OFFICIAL_PREFIX) ? r.path.slice(OFFICIAL_PREFIX.length) : r.path
  return {repository: repo, tag: r.digest !== undefined ? '<none>' : (r.tag ?? DEFAULT_TAG)}
}

/** Whether `input` could be an image ID (or a prefix of one) rather than a name. */
export function looksLikeId(input: string): boolean {
  return /^(sha256:)?[0-9a-f]{4,64}$/.test(input)
}

/**
 * The reference of the image `tsc-box run host:PATH` builds for a host binary: under
 * localhost/host/, with the path's components made valid repository components.
 */
export function hostImageReference(hostPath: string): string {
  const comps = hostPath
    .split('/')
    .filter((c) => c !== '')
    .map((c) => {
      const clean = c
        .toLowerCase()
        .replace(/[^a-z0-9._-]/g, '_')
        .replace(/^[^a-z0-9]+/, '')
        .replace(/[^a-z0-9]+$/, '')
      return clean === '' ? 'x' : clean.replace(/[._-]{2,}/g, (m) => (m === '__' ? m : m[0]))
    })
  return normalizeReference(`localhost/host/${comps.join('/')}:latest`)
}
