/**
 * Finds the tsc-box-runtime binary: $TSC_BOX_RUNTIME, else the local build of a checkout
 * (target/runtime/), else the one in the platform package npm installed (./platform.ts).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import {missingPlatformHint, nativeFile} from './platform'

const LOCAL_RUNTIME = path.join('target', 'runtime', 'tsc-box-runtime')

/** The package root: the first ancestor of this file holding a package.json. */
export function packageRoot(): string {
  let dir = __dirname
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir
    const up = path.dirname(dir)
    if (up === dir) return path.resolve(__dirname, '..', '..')
    dir = up
  }
}

/**
 * How a detached container's monitor calls this CLI back when the container has ended
 * (`run -d --rm` removes it then): this Node, this package's entry.
 */
export function cliCommand(): string[] {
  return [process.execPath, '--', path.join(packageRoot(), 'bin', 'run.js')]
}

let found: string | undefined

export function runtimePath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TSC_BOX_RUNTIME
  if (fromEnv) return path.resolve(fromEnv)
  if (found) return found
  const root = packageRoot()
  const p = nativeFile(root, LOCAL_RUNTIME, 'tsc-box-runtime')
  // Not remembered when missing: a build meanwhile is found the next time.
  if (p === undefined) return path.join(root, LOCAL_RUNTIME)
  found = p
  return p
}

/** The runtime binary's path, refused early (before anything is created) when not executable. */
export function requireRuntime(env: NodeJS.ProcessEnv = process.env): string {
  const p = runtimePath(env)
  try {
    fs.accessSync(p, fs.constants.X_OK)
  } catch {
    const how = env.TSC_BOX_RUNTIME
      ? 'fix or unset TSC_BOX_RUNTIME'
      : `${missingPlatformHint('the runtime binary tsc-box-runtime', 'npm run build:runtime')}, or set TSC_BOX_RUNTIME`
    throw new CliError('runtime_missing', `the runtime binary ${p} is missing or not executable: ${how}`)
  }
  return p
}
