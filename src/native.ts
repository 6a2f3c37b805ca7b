/**
 * Loads the napi binding: the addon a checkout built (native/, by `npm run build:napi`), else
 * the one in the platform package npm installed (src/runtime/platform.ts). The generated loader
 * (native/index.js) probes musl vs glibc by reading files and, failing that, by building a
 * process report, on every start; the CLI tries the addon file directly, and falls back to the
 * generated loader only in a checkout (its own package lookup uses other names than ours).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from './errors'
import {packageRoot} from './runtime/locate'
import {missingPlatformHint, nativeFile, platformTarget} from './runtime/platform'

export type Native = typeof import('../native/index')

let cached: Native | undefined

export function native(): Native {
  if (cached) return cached
  const root = packageRoot()
  const dir = path.join(root, 'native')
  try {
    // A checkout's build for glibc: the common case, without working out the libc.
    cached = require(path.join(dir, `tsc-box.linux-${process.arch}-gnu.node`)) as Native
    return cached
  } catch {
    // not a glibc checkout build: look further
  }
  const target = platformTarget()
  const addon = `tsc-box.${target}.node`
  const file = nativeFile(root, path.join('native', addon), addon, target)
  if (file !== undefined) cached = require(file) as Native
  else if (fs.existsSync(path.join(dir, 'index.js'))) cached = require(path.join(dir, 'index.js')) as Native
  else throw new CliError('runtime_missing', missingPlatformHint(`the native binding ${addon}`, 'npm run build:napi', target))
  return cached as Native
}
