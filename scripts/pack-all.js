#!/usr/bin/env node
// Builds and packs every npm package of tsc-box into target/packages/ (docs/install.md):
//   tsc-box-<version>.tgz                      the CLI: dist/ prebuilt, no build step on install,
//                                              the platform packages as optionalDependencies
//   tsc-box-linux-<arch>-gnu-<version>.tgz     @tsc-box/linux-<arch>-gnu: the napi binding and
//                                              the static tsc-box-runtime of one architecture
// x64 is this machine's own build (npm run build); arm64 is cross-built in a Debian chroot
// (scripts/cross/arm64.sh, which also smoke-tests it under qemu-user).
//
// Usage: node scripts/pack-all.js [--no-build] [--out DIR] [x64] [arm64]   (default: both, built
// first, into target/packages/). --no-build packs what the last builds left (native/,
// target/runtime/, target/cross/).
'use strict'
const {execFileSync} = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const outArg = process.argv.indexOf('--out')
const outDir = outArg === -1 ? path.join(root, 'target', 'packages') : path.resolve(process.argv[outArg + 1] ?? '')
const stageDir = path.join(outDir, 'stage')
const main = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const SCOPE = '@tsc-box'

// Each target: where its two files come from, and the ELF machine they must be built for.
const TARGETS = {
  x64: {
    target: 'linux-x64-gnu',
    cpu: 'x64',
    machine: 0x3e,
    node: 'native/tsc-box.linux-x64-gnu.node',
    runtime: 'target/runtime/tsc-box-runtime',
    build: () => run('npm', ['run', 'build']),
  },
  arm64: {
    target: 'linux-arm64-gnu',
    cpu: 'arm64',
    machine: 0xb7,
    node: 'target/cross/aarch64-unknown-linux-gnu/tsc-box.linux-arm64-gnu.node',
    runtime: 'target/cross/aarch64-unknown-linux-gnu/tsc-box-runtime',
    build: () => run('sh', ['scripts/cross/arm64.sh']),
  },
}

function run(cmd, args, opts = {}) {
  console.error(`+ ${cmd} ${args.join(' ')}`)
  return execFileSync(cmd, args, {cwd: root, stdio: ['ignore', opts.capture ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8', ...opts})
}

/** The workspace version in Cargo.toml: the binaries report it, so it must be the package's. */
function cargoVersion() {
  const toml = fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8')
  const section = toml.split(/^\[workspace\.package\]\s*$/m)[1] ?? ''
  return /^version\s*=\s*"([^"]+)"/m.exec(section)?.[1]
}

/** Refuses a file that is not a 64-bit little-endian ELF for `machine`; with `isStatic`, one that names a dynamic loader. */
function checkElf(file, machine, isStatic) {
  const b = fs.readFileSync(file)
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) throw new Error(`${file}: not a 64-bit little-endian ELF file`)
  const m = b.readUInt16LE(18)
  if (m !== machine) throw new Error(`${file}: built for ELF machine 0x${m.toString(16)}, not 0x${machine.toString(16)}`)
  if (!isStatic) return
  const phoff = Number(b.readBigUInt64LE(32))
  const phentsize = b.readUInt16LE(54)
  for (let i = 0; i < b.readUInt16LE(56); i++) {
    if (b.readUInt32LE(phoff + i * phentsize) === 3) throw new Error(`${file}: dynamically linked (has PT_INTERP); the runtime must be static`)
  }
}

/** npm/<target>/package.json, written from the main package so that versions stay in step. */
function platformManifest(t) {
  return {
    name: `${SCOPE}/${t.target}`,
    version: main.version,
    description: `tsc-box's native files for ${t.target}: the napi binding and the static tsc-box-runtime`,
    license: main.license,
    os: ['linux'],
    cpu: [t.cpu],
    libc: ['glibc'],
    main: `tsc-box.${t.target}.node`,
    files: [`tsc-box.${t.target}.node`, 'tsc-box-runtime'],
    engines: main.engines,
    publishConfig: {access: 'public'},
  }
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

/** Packs a staged directory into target/packages/, without its scripts; returns npm's report. */
function pack(dir) {
  const [report] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', outDir, dir], {capture: true}))
  console.error(
    `  ${report.filename}: ${(report.size / 1048576).toFixed(1)} MiB packed, ${(report.unpackedSize / 1048576).toFixed(1)} MiB unpacked, ${report.entryCount} files`,
  )
  return report
}

function packPlatform(t) {
  const manifest = platformManifest(t)
  writeJson(path.join(root, 'npm', t.target, 'package.json'), manifest)
  const dir = path.join(stageDir, t.target)
  fs.rmSync(dir, {recursive: true, force: true})
  fs.mkdirSync(dir, {recursive: true})
  fs.copyFileSync(path.join(root, 'npm', t.target, 'package.json'), path.join(dir, 'package.json'))
  fs.copyFileSync(path.join(root, 'npm', t.target, 'README.md'), path.join(dir, 'README.md'))
  const node = path.join(root, t.node)
  const runtime = path.join(root, t.runtime)
  checkElf(node, t.machine, false)
  checkElf(runtime, t.machine, true)
  fs.copyFileSync(node, path.join(dir, manifest.main))
  fs.copyFileSync(runtime, path.join(dir, 'tsc-box-runtime'))
  fs.chmodSync(path.join(dir, 'tsc-box-runtime'), 0o755)
  return pack(dir)
}

/**
 * A `files` entry as npm reads it, for the one form of pattern it holds: a `*` in the last
 * name (`dist/*-fast.js`, every bundle). A pattern that matches nothing is kept as written, so
 * that the missing build is reported by its name.
 */
function expand(entry) {
  const base = path.basename(entry)
  if (!base.includes('*')) return [entry]
  const dirName = path.dirname(entry)
  const literal = (s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
  const re = new RegExp(`^${base.split('*').map(literal).join('.*')}$`)
  let names = []
  try {
    names = fs.readdirSync(path.join(root, dirName)).filter((n) => re.test(n))
  } catch {
    // no such directory: reported below
  }
  return names.length > 0 ? names.sort().map((n) => path.join(dirName, n)) : [entry]
}

/** The main package: the files of package.json's `files`, and every platform package as optional. */
function packMain() {
  const dir = path.join(stageDir, 'tsc-box')
  fs.rmSync(dir, {recursive: true, force: true})
  fs.mkdirSync(dir, {recursive: true})
  for (const entry of [...main.files.flatMap(expand), 'README.md']) {
    const from = path.join(root, entry)
    if (!fs.existsSync(from)) throw new Error(`${entry} (in package.json's files) is missing: build first (npm run build)`)
    fs.cpSync(from, path.join(dir, entry), {recursive: true})
  }
  const optionalDependencies = Object.fromEntries(Object.values(TARGETS).map((t) => [`${SCOPE}/${t.target}`, main.version]))
  // What only a checkout uses stays out: the build, test and pack scripts (so an install runs
  // none), the dev dependencies and npm's overrides for them, the test runner's settings.
  const {scripts, devDependencies, overrides, allowScripts, ava, ...published} = main
  const manifest = {...published, bundleDependencies: Object.keys(main.dependencies), optionalDependencies}
  writeJson(path.join(dir, 'package.json'), manifest)
  bundleProductionModules(dir)
  return pack(dir)
}

/**
 * Copies into the staged package the modules package-lock.json installs for production (not
 * dev): the main package bundles its dependencies (bundleDependencies), so the two tarballs
 * install with no registry and no cache at all, with the very tree this checkout was tested
 * with. npm ci installed them here.
 */
function bundleProductionModules(dir) {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'))
  for (const [at, entry] of Object.entries(lock.packages)) {
    if (at === '' || entry.dev || entry.link) continue
    const from = path.join(root, at)
    if (!fs.existsSync(from)) {
      if (entry.optional) continue
      throw new Error(`${at} (a production dependency in package-lock.json) is not installed: run npm ci`)
    }
    fs.cpSync(from, path.join(dir, at), {recursive: true, filter: (f) => !f.slice(from.length).includes(`${path.sep}node_modules${path.sep}`)})
  }
}

function packAll() {
  const args = process.argv.slice(2)
  const build = !args.includes('--no-build')
  const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--out')
  for (const n of names) if (!Object.hasOwn(TARGETS, n)) throw new Error(`unknown target ${n}: one of ${Object.keys(TARGETS).join(', ')}`)
  const chosen = (names.length > 0 ? names : Object.keys(TARGETS)).map((n) => TARGETS[n])
  const cargo = cargoVersion()
  if (cargo !== main.version)
    throw new Error(`package.json's version ${main.version} is not Cargo.toml's workspace version ${cargo}: the binaries would report another version`)
  if (build) for (const t of chosen) t.build()
  fs.mkdirSync(outDir, {recursive: true})
  const reports = [packMain(), ...chosen.map(packPlatform)]
  fs.rmSync(stageDir, {recursive: true, force: true})
  // The arm64 tarballs installed as on an arm64 machine and loaded by an arm64 node (qemu-user).
  if (build && chosen.includes(TARGETS.arm64)) run('sh', ['scripts/cross/arm64.sh', 'packages', outDir])
  for (const r of reports) console.log(path.join(outDir, r.filename))
}

try {
  packAll()
} catch (err) {
  console.error(`pack-all: ${err.message}`)
  process.exit(1)
}
