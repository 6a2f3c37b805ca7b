/**
 * Image references, normalised the way docker does it, in this one place: `busybox` means
 * docker.io/library/busybox:latest, `me/app` docker.io/me/app:latest, a first component with
 * a dot, a colon or `localhost` is a registry, and a digest (`@sha256:...`) pins the content.
 */
import {CliError} from '../errors'

export const DEFAULT_DOMAIN = 'docker.io'
const LEGACY_DOMAIN = 'index.docker.io'
const OFFICIAL_PREFIX = 'library/'
const DEFAULT_TAG = 'latest'

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const DOMAIN =
  /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^sha256:[a-f0-9]{64}$/
const MAX_NAME = 255

export interface Reference {
  /** Registry host[:port], e.g. docker.io or localhost:5000. */
  domain: string
  /** Repository path inside the registry, e.g. library/busybox. */
  path: string
  tag?: string
  digest?: string
}

function invalid(input: string, why: string): CliError {
  return new CliError('invalid_reference', `invalid reference format "${input}": ${why}`)
}

/** Parses and normalises `input`; throws CliError(invalid_reference) on anything docker refuses. */
export function parseReference(input: string): Reference {
  if (input === '') throw invalid(input, 'empty')
  let rest = input
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) throw invalid(input, 'the digest must be sha256: followed by 64 lowercase hex digits')
  }
  let tag: string | undefined
  const lastSlash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw invalid(input, `invalid tag "${tag}"`)
  }
  const parts = rest.split('/')
  let domain = DEFAULT_DOMAIN
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost' || parts[0] !== parts[0].toLowerCase())) {
    domain = parts.shift() as string
    if (!DOMAIN.test(domain)) throw invalid(input, `invalid registry "${domain}"`)
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN
  for (const c of parts) {
    if (c !== c.toLowerCase()) throw invalid(input, 'repository name must be lowercase')
    if (!COMPONENT.test(c)) throw invalid(input, `invalid repository name component "${c}"`)
  }
  let path = parts.join('/')
  if (domain === DEFAULT_DOMAIN && parts.length === 1) path = OFFICIAL_PREFIX + path
  if (domain.length + 1 + path.length > MAX_NAME) throw invalid(input, `repository name longer than ${MAX_NAME} characters`)
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG
  return {domain, path, tag, digest}
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
