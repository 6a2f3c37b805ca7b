/**
 * Where this machine's native files come from: the local build of a git checkout (native/,
 * target/runtime/), else the prebuilt package for this platform, `@tsc-box/linux-<arch>-<libc>`,
 * which npm installed from the main package's optionalDependencies (each platform package
 * names its `os`, `cpu` and `libc`, so npm installs only the one that fits). docs/install.md.
 */
import * as fs from 'node:fs'
import {createRequire} from 'node:module'
import * as path from 'node:path'

/** The npm scope of the platform packages: only its owner can publish into it. */
export const PLATFORM_SCOPE = '@tsc-box'

export type Libc = 'gnu' | 'musl'

/**
 * The C library this Node runs with: musl when its dynamic loader is musl's. /proc/self/maps
 * names the loader this process really mapped (a glibc Node on a musl host with a compatibility
 * layer is glibc here), and reading it costs far less than process.report.
 */
export function processLibc(maps: () => string = () => fs.readFileSync('/proc/self/maps', 'utf8')): Libc {
  try {
    return /\/ld-musl-[^/\s]*\.so/.test(maps()) ? 'musl' : 'gnu'
  } catch {
    return 'gnu'
  }
}

/** This machine's target name as napi-rs spells it: `linux-x64-gnu`, `linux-arm64-musl`, ... */
export function platformTarget(arch: string = process.arch, libc: Libc = processLibc()): string {
  return `${process.platform}-${arch}-${libc}`
}

/** The platform package's name for a target. */
export function platformPackage(target: string = platformTarget()): string {
  return `${PLATFORM_SCOPE}/${target}`
}

/** The directory of the installed platform package for this machine, if npm installed it. */
export function platformPackageDir(from: string, target: string = platformTarget()): string | undefined {
  try {
    return path.dirname(createRequire(path.join(from, 'package.json')).resolve(`${platformPackage(target)}/package.json`))
  } catch {
    return undefined
  }
}

/**
 * The local build's file when it exists (a checkout), else the platform package's file, else
 * undefined. `local` is relative to the package root, `file` to the platform package.
 */
export function nativeFile(root: string, local: string, file: string, target: string = platformTarget()): string | undefined {
  const own = path.join(root, local)
  if (fs.existsSync(own)) return own
  const dir = platformPackageDir(root, target)
  if (dir === undefined) return undefined
  const p = path.join(dir, file)
  return fs.existsSync(p) ? p : undefined
}

/** What to tell a user when neither a local build nor the platform package is there. */
export function missingPlatformHint(what: string, build: string, target: string = platformTarget()): string {
  return `${what} is missing: install ${platformPackage(target)} (the prebuilt package for ${target}; npm installs it with tsc-box unless optional dependencies are omitted), or build it in a checkout with '${build}'`
}
