// Installing tsc-box from its npm packages (docs/install.md) needs no compiler, no build script
// and no registry: the main tarball (dist/ prebuilt, its dependencies bundled) and this machine's
// platform package (@tsc-box/linux-x64-gnu: the napi binding and the static runtime) are packed
// from what `npm ci` built (scripts/pack-all.js --no-build x64), then installed offline with an
// empty npm cache, in a fresh directory, with cargo, rustc and the C compilers off PATH.
import test from 'ava'
import { serialIf } from './helpers/conditional'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { platformPackage, platformTarget, processLibc } from '../src/runtime/platform'
import { makeDataRoot, REPO } from './helpers/cli'

const BUILT = ['native/tsc-box.linux-x64-gnu.node', 'target/runtime/tsc-box-runtime', 'dist/run-fast.js'].every((f) => existsSync(join(REPO, f)))
// The packages are for x86-64 glibc; the build is what `npm ci` (prepare) leaves in a checkout.
const packTest = serialIf(process.arch === 'x64' && BUILT, 'needs an x64 host and the checkout built (npm run build): the x64 package is packed from it')
const COMPILERS = /^(cargo|rustc|rustup|rustdoc|gcc|g\+\+|cc|c\+\+|cpp|clang|clang\+\+|tcc)(-[0-9.]+)?$|^[a-z0-9_]+-linux-gnu-(gcc|g\+\+|cpp)(-[0-9.]+)?$/

const work = mkdtempSync(join(tmpdir(), 'tsc-box-install-'))
test.after.always(() => rmSync(work, { recursive: true, force: true }))

/** A PATH of one directory: every program of this PATH but the compilers and Rust's tools. */
function pathWithoutCompilers(): string {
  const bin = join(work, 'bin')
  if (existsSync(bin)) return bin
  mkdirSync(bin)
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      continue
    }
    for (const name of names) {
      if (COMPILERS.test(name) || existsSync(join(bin, name))) continue
      try {
        if (statSync(join(dir, name)).isFile()) symlinkSync(join(dir, name), join(bin, name))
      } catch {
        // a dangling link: not a program
      }
    }
  }
  return bin
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
    env: { HOME: work, PATH: pathWithoutCompilers(), LANG: 'C.UTF-8', npm_config_cache: join(work, 'npm-cache'), ...env },
  })
  if (r.error) throw r.error
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

let tarballs: Promise<{ main: string; x64: string }> | undefined

/** Packs the two tarballs once for the file. */
function packed(): Promise<{ main: string; x64: string }> {
  tarballs ??= Promise.resolve().then(() => {
    const out = join(work, 'packages')
    const r = spawnSync(process.execPath, ['scripts/pack-all.js', '--no-build', '--out', out, 'x64'], { cwd: REPO, encoding: 'utf8', timeout: 180_000 })
    if (r.status !== 0) throw new Error(`pack-all failed: ${r.stderr}`)
    const files = r.stdout.trim().split('\n')
    const main = files.find((f) => /\/tsc-box-\d[^/]*\.tgz$/.test(f))
    const x64 = files.find((f) => /\/tsc-box-linux-x64-gnu-[^/]*\.tgz$/.test(f))
    if (!main || !x64) throw new Error(`pack-all made ${files.join(', ')}`)
    return { main, x64 }
  })
  return tarballs
}

function freshDir(name: string): string {
  const dir = join(work, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), '{"private": true}\n')
  return dir
}

packTest('the packed tarballs install offline without a compiler, and npx tsc-box runs a container', async (t) => {
  const { main, x64 } = await packed()
  const dir = freshDir('local')
  const none = sh('sh', ['-c', 'command -v cargo rustc gcc cc || true'], dir)
  t.is(none.stdout, '', 'no compiler on the PATH of the install')
  const started = Date.now()
  const install = sh('npm', ['install', '--offline', '--no-audit', '--no-fund', main, x64], dir)
  t.is(install.code, 0, install.stderr)
  t.log(`npm install --offline of the two tarballs: ${Date.now() - started} ms`)
  // Nothing in the installed tree has a script npm runs at install time (a dependency's prepare
  // is only for its own checkout).
  const scripts = sh('npm', ['query', ':attr(scripts, [preinstall]), :attr(scripts, [install]), :attr(scripts, [postinstall])'], dir)
  t.is(scripts.code, 0, scripts.stderr)
  t.deepEqual(JSON.parse(scripts.stdout), [])

  // The package entry loads from the install, as CommonJS and as ESM (package.json's exports).
  for (const [flag, code] of [
    ['--input-type=commonjs', "require('tsc-box')"],
    ['--input-type=module', "await import('tsc-box')"],
  ]) {
    const entry = sh('node', [flag, '-e', code], dir)
    t.deepEqual([entry.code, entry.stderr], [0, ''], code)
  }

  const root = makeDataRoot()
  try {
    const run = sh('npx', ['--offline', 'tsc-box', 'run', '--rm', 'host:/bin/sh', '-c', 'echo ok'], dir, { TSC_BOX_ROOT: root })
    t.is(run.stderr, '')
    t.is(run.stdout, 'ok\n')
    t.is(run.code, 0)
    // The runtime is the platform package's: no checkout build exists beside this install.
    const info = sh('npx', ['--offline', 'tsc-box', 'info', '--json'], dir, { TSC_BOX_ROOT: root })
    t.is(info.code, 0, info.stderr)
    t.is(JSON.parse(info.stdout).runtime.path, join(dir, 'node_modules/@tsc-box/linux-x64-gnu/tsc-box-runtime'))
    // The runtime's native front door (bin/run.js's sh lines) finds it there too.
    const ps = sh(join(dir, 'node_modules/.bin/tsc-box'), ['ps', '-a', '--format', '{{.ID}}'], dir, { TSC_BOX_ROOT: root })
    t.deepEqual([ps.code, ps.stdout, ps.stderr], [0, '', ''])
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

packTest('npm install -g of the tarballs puts tsc-box on PATH, with the runtime where it finds it', async (t) => {
  const { main, x64 } = await packed()
  const prefix = join(work, 'global')
  const install = sh('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', main, x64], work)
  t.is(install.code, 0, install.stderr)
  const root = makeDataRoot()
  try {
    const path = `${join(prefix, 'bin')}${delimiter}${pathWithoutCompilers()}`
    const run = sh('tsc-box', ['run', '--rm', 'host:/bin/sh', '-c', 'echo ok'], work, { TSC_BOX_ROOT: root, PATH: path })
    t.deepEqual([run.code, run.stdout, run.stderr], [0, 'ok\n', ''])
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

packTest('without the platform package, the CLI names the package to install', async (t) => {
  const { main } = await packed()
  const dir = freshDir('bare')
  const install = sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--omit=optional', main], dir)
  t.is(install.code, 0, install.stderr)
  const root = makeDataRoot()
  try {
    const run = sh('npx', ['--offline', 'tsc-box', 'run', '--rm', 'host:/bin/sh', '-c', 'echo ok'], dir, { TSC_BOX_ROOT: root })
    t.is(run.code, 125)
    t.is(run.stdout, '')
    t.regex(run.stderr, /install @tsc-box\/linux-x64-gnu \(the prebuilt package for linux-x64-gnu/)
    t.deepEqual(
      readdirSync(root)
        .filter((f) => f.startsWith('containers'))
        .flatMap((f) => readdirSync(join(root, f))),
      [],
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test("the platform package follows the C library Node runs with: musl when it mapped musl's loader", (t) => {
  const alpine = '7f3c2a400000-7f3c2a414000 r--p 00000000 08:01 1311 /lib/ld-musl-x86_64.so.1\n'
  const debian = '7f3c2a400000-7f3c2a401000 r--p 00000000 08:01 1311 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n'
  t.is(
    processLibc(() => alpine),
    'musl',
  )
  t.is(
    processLibc(() => debian),
    'gnu',
  )
  t.is(platformPackage(platformTarget('arm64', 'musl')), '@tsc-box/linux-arm64-musl')
  t.is(platformPackage(platformTarget('x64', 'gnu')), '@tsc-box/linux-x64-gnu')
  // This Node: Debian's, glibc, as its own process report says.
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
  t.is(processLibc(), header.glibcVersionRuntime ? 'gnu' : 'musl')
})
