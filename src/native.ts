/**
 * Loads the napi binding. The generated loader (native/index.js) probes musl vs glibc by
 * reading files and, failing that, by building a process report, on every start; the CLI
 * first tries the addon file built for this machine directly and falls back to the loader.
 */
import * as path from 'node:path'
import {packageRoot} from './runtime/locate'

export type Native = typeof import('../native/index')

let cached: Native | undefined

export function native(): Native {
  if (cached) return cached
  const dir = path.join(packageRoot(), 'native')
  try {
    cached = require(path.join(dir, `tsc-box.linux-${process.arch}-gnu.node`)) as Native
  } catch {
    cached = require(path.join(dir, 'index.js')) as Native
  }
  return cached
}
