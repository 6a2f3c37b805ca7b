/**
 * What a container takes from its image's config (Entrypoint, Cmd, Env, WorkingDir, User,
 * Labels) and how `--entrypoint` and a command on the line override it, exactly like docker:
 * a command replaces Cmd; `--entrypoint` replaces Entrypoint and drops the image's Cmd.
 */
import {CliError} from '../errors'

export interface ImageRunConfig {
  entrypoint: string[]
  cmd: string[]
  env: string[]
  workingDir?: string
  user?: string
  labels: Record<string, string>
  /** ExposedPorts' keys ("80/tcp"), for -P. */
  exposedPorts: string[]
  /** Volumes' keys (destinations): each gets an anonymous volume (src/volume/plan.ts). */
  volumes: string[]
}

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new CliError('invalid_image', `the image config's ${field} is not a list of strings`)
  return v
}

function optString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string') throw new CliError('invalid_image', `the image config's ${field} is not a string`)
  return v
}

/** Reads the parts of an OCI/docker image config (JSON text, already verified) we apply. */
export function parseImageConfig(json: string): ImageRunConfig {
  let doc: unknown
  try {
    doc = JSON.parse(json)
  } catch (e) {
    throw new CliError('invalid_image', `the image config is not JSON: ${(e as Error).message}`)
  }
  const c = ((doc as {config?: unknown}).config ?? {}) as Record<string, unknown>
  if (typeof c !== 'object') throw new CliError('invalid_image', 'the image config has an invalid "config" field')
  const labels: Record<string, string> = {}
  if (c.Labels !== undefined && c.Labels !== null) {
    if (typeof c.Labels !== 'object') throw new CliError('invalid_image', "the image config's Labels is not an object")
    for (const [k, v] of Object.entries(c.Labels as Record<string, unknown>)) if (typeof v === 'string') labels[k] = v
  }
  return {
    entrypoint: strings(c.Entrypoint, 'Entrypoint'),
    cmd: strings(c.Cmd, 'Cmd'),
    env: strings(c.Env, 'Env'),
    workingDir: optString(c.WorkingDir, 'WorkingDir'),
    user: optString(c.User, 'User'),
    labels,
    exposedPorts: c.ExposedPorts !== null && typeof c.ExposedPorts === 'object' ? Object.keys(c.ExposedPorts as object) : [],
    volumes: c.Volumes !== null && typeof c.Volumes === 'object' ? Object.keys(c.Volumes as object) : [],
  }
}

/** The container's argv from the image and the command line. `entrypointFlag` "" clears it. */
export function containerArgs(image: ImageRunConfig, entrypointFlag: string | undefined, command: string[]): string[] {
  const entrypoint = entrypointFlag === undefined ? image.entrypoint : entrypointFlag === '' ? [] : [entrypointFlag]
  const cmd = command.length > 0 ? command : entrypointFlag === undefined ? image.cmd : []
  const args = [...entrypoint, ...cmd]
  if (args.length === 0) throw new CliError('no_command', 'no command specified: the image has no Entrypoint or Cmd and none was given')
  return args
}
