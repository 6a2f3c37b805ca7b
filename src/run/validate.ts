/**
 * Checks everything `tsc-box run` was given and resolves it against the rootfs, before
 * anything is created: a refusal here leaves nothing behind by construction.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {validateName} from '../container/names'
import {CliError} from '../errors'
import {resolveInRoot} from '../fs/in-root'
import {mergeEnv, parseEnvFile, parseEnvFlag} from './env-file'
import {resolveUserInRootfs, type ResolvedUser} from './user'

/** The subset of parsed run flags this module validates. */
export interface RunInput {
  rootfs?: string
  name?: string
  hostname?: string
  domainname?: string
  env: string[]
  'env-file': string[]
  workdir?: string
  user?: string
  entrypoint?: string
}

export interface ValidatedRun {
  rootfs: string
  /** Entrypoint and command, ready for process.args. */
  args: string[]
  env: string[]
  cwd: string
  user: ResolvedUser
  name?: string
  hostname?: string
  domainname?: string
}

/** `rootfs` is --rootfs, or the merged overlay of the IMAGE that src/image/run.ts mounted. */
export function checkRootfs(rootfs: string | undefined): string {
  if (rootfs === undefined) throw new CliError('no_image', "'tsc-box run' requires an IMAGE (e.g. host:/usr/bin/env) or --rootfs DIR")
  if (!path.isAbsolute(rootfs)) throw new CliError('rootfs_relative', `the rootfs path must be absolute: ${rootfs}`)
  let st: fs.Stats
  try {
    st = fs.statSync(rootfs)
  } catch {
    throw new CliError('rootfs_missing', `the rootfs ${rootfs} does not exist`)
  }
  if (!st.isDirectory()) throw new CliError('rootfs_not_directory', `the rootfs ${rootfs} is not a directory`)
  return path.normalize(rootfs)
}

export function commandArgs(entrypoint: string | undefined, positionals: string[]): string[] {
  const args = entrypoint ? [entrypoint, ...positionals] : [...positionals]
  if (args.length === 0) throw new CliError('no_command', 'no command specified')
  return args
}

export function readEnv(files: string[], flags: string[], callerEnv: NodeJS.ProcessEnv): string[] {
  const lists: string[][] = []
  for (const file of files) {
    let text: string
    try {
      const buf = fs.readFileSync(file)
      text = new TextDecoder('utf-8', {fatal: false}).decode(buf)
    } catch (e) {
      throw new CliError('invalid_env_file', `cannot read env file ${file}: ${(e as Error).message}`)
    }
    lists.push(parseEnvFile(text, file, callerEnv))
  }
  lists.push(flags.map((f) => parseEnvFlag(f, callerEnv)).filter((e): e is string => e !== undefined))
  return mergeEnv(...lists)
}

export function lookupUser(rootfs: string, spec: string): ResolvedUser {
  return resolveUserInRootfs(rootfs, spec)
}

export function checkWorkdir(rootfs: string, workdir: string | undefined): string {
  if (workdir === undefined || workdir === '') return '/'
  if (!path.isAbsolute(workdir)) throw new CliError('invalid_workdir', `the working directory "${workdir}" is invalid: it must be an absolute path`)
  const {stat} = resolveInRoot(rootfs, workdir)
  if (stat && !stat.isDirectory()) throw new CliError('invalid_workdir', `the working directory ${workdir} is not a directory in the rootfs`)
  return path.posix.normalize(workdir)
}

const HOSTNAME_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})?)*$/

export function checkHostname(flag: string, value: string | undefined): void {
  if (value === undefined) return
  if (value.length > 64 || !HOSTNAME_RE.test(value)) throw new CliError('invalid_hostname', `invalid ${flag} "${value}"`)
}

export function validateRun(input: RunInput, positionals: string[], callerEnv: NodeJS.ProcessEnv): ValidatedRun {
  const rootfs = checkRootfs(input.rootfs)
  const args = commandArgs(input.entrypoint, positionals)
  if (input.name !== undefined) validateName(input.name)
  checkHostname('hostname', input.hostname)
  checkHostname('domainname', input.domainname)
  const env = readEnv(input['env-file'], input.env, callerEnv)
  const user = lookupUser(rootfs, input.user ?? '')
  const cwd = checkWorkdir(rootfs, input.workdir)
  return {rootfs, args, env, cwd, user, name: input.name, hostname: input.hostname, domainname: input.domainname}
}
