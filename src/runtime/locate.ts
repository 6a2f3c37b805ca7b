/** Finds the tsc-box-runtime binary: $TSC_BOX_RUNTIME, else the build output in this package. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'

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

export function runtimePath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TSC_BOX_RUNTIME
  if (fromEnv) return path.resolve(fromEnv)
  return path.join(packageRoot(), 'target', 'runtime', 'tsc-box-runtime')
}

/** The runtime binary's path, refused early (before anything is created) when not executable. */
export function requireRuntime(env: NodeJS.ProcessEnv = process.env): string {
  const p = runtimePath(env)
  try {
    fs.accessSync(p, fs.constants.X_OK)
  } catch {
    throw new CliError('runtime_missing', `the runtime binary ${p} is missing or not executable: build it with 'npm run build:runtime' or set TSC_BOX_RUNTIME`)
  }
  return p
}
