#!/bin/sh
':' //; s=$0; [ -L "$s" ] && s=$(readlink -f -- "$s"); [ -n "${NODE_EXTRA_CA_CERTS-}" ] && export TSC_BOX_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS" && unset NODE_EXTRA_CA_CERTS
':' //; case "$1 ${2-}" in cp\ *|exec\ *|images\ *|info\ *|inspect\ *|kill\ *|load\ *|logs\ *|network\ ls|network\ ls\ *|pause\ *|port\ *|ps\ *|restart\ *|rm\ *|start\ *|stats\ *|stop\ *|top\ *|unpause\ *|volume\ ls|volume\ ls\ *|wait\ *) r=${TSC_BOX_RUNTIME:-${s%/*}/../target/runtime/tsc-box-runtime}; if [ -z "${TSC_BOX_RUNTIME:-}" ] && [ ! -x "$r" ]; then case $(uname -m) in x86_64) a=x64;; aarch64) a=arm64;; *) a=none;; esac; for r in "${s%/*}"/../node_modules/@tsc-box/linux-$a-*/tsc-box-runtime "${s%/*}"/../../@tsc-box/linux-$a-*/tsc-box-runtime; do [ -x "$r" ] && break; done; fi; case $r in /*) ;; *) r=./$r;; esac; h=; for a; do [ "$a" = --help ] && h=1; done; [ -z "$h" ] && [ -x "$r" ] && TSC_BOX_CLI_JS=$s exec "$r" --cli "$@";; esac
':' //; exec node -- "$s" "$@"
'use strict'
// The tsc-box entry: a sh/JavaScript polyglot, dispatching by the command table
// (src/cli/commands.json). As a shell script (the lines above, which JavaScript reads as strings
// and comments) it hands the table's `native` commands (the `case` pattern, written from the
// table by scripts/commands-table.js --write) to the runtime's native front door
// (`tsc-box-runtime --cli VERB`, crates/runtime/src/front/: no Node start at all) and everything
// else, `--help` included, to Node with this same file; its real path is resolved first (npm
// link puts a symlink on PATH). The runtime is a checkout's build (target/runtime/), else the one
// in the platform package npm installed beside or inside this package (@tsc-box/linux-<arch>-*,
// docs/install.md). Without either (or with TSC_BOX_RUNTIME naming a missing one) Node runs the
// native commands too, through their bundle.
// NODE_EXTRA_CA_CERTS is moved to TSC_BOX_EXTRA_CA_CERTS before Node starts: Node reads that
// file and parses every bundled root certificate with it at its start (~85 ms, on every
// command), though only a registry connection needs them; src/image/registry/http.ts adds them
// to Node's roots when it first connects over TLS.
// `node --` stops Node 20 from taking our own `--env-file FILE` flag for its --env-file option
// (nodejs/node#54232: it scans argv past the script name, exits 9 on a missing file). Callers
// that run `node bin/run.js` directly should use `node -- bin/run.js`.
// Under Node, every command of the table is dispatched straight to its `bundle` without loading
// oclif (which costs ~50 ms of a ~45 ms node start): `run` to its own fast path, every other
// command to the dispatcher of the commands' actions (src/cli/dispatch.ts, src/actions/). oclif
// answers --help, what the dispatcher hands back (a missing argument) and what is not in the
// table.
const path = require('node:path')

const dist = path.join(__dirname, '..', 'dist', 'src')
const argv = process.argv.slice(2)

// A command's code bundled into one file with a V8 code cache (scripts/build-fast.js): resolving
// and compiling ~25 modules one by one costs ~10 ms, half of the CLI's own start. Falls back to
// the tsc output of the bundle's entry when the bundle was not built.
function runModule(name, entry) {
  const fs = require('node:fs')
  const file = path.join(__dirname, '..', 'dist', `${name}.js`)
  let code
  try {
    code = fs.readFileSync(file, 'utf8')
  } catch {
    return require(path.join(__dirname, '..', 'dist', entry.replace(/\.ts$/, '.js')))
  }
  let cachedData
  try {
    cachedData = fs.readFileSync(path.join(__dirname, '..', 'dist', `${name}.cache`))
  } catch {
    // no cache: V8 compiles from source
  }
  const vm = require('node:vm')
  const Module = require('node:module')
  const script = new vm.Script(Module.wrap(code), {filename: file, cachedData})
  const mod = {exports: {}}
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file))
  return mod.exports
}

function report(err, json, mod) {
  const {reportError} = mod ?? require(path.join(dist, 'cli', 'error-output.js'))
  process.exitCode = reportError(err, json)
}

async function viaOclif(args) {
  const oclif = require('@oclif/core')
  try {
    await oclif.run(args, __dirname)
  } catch (err) {
    const dash = args.indexOf('--')
    report(err, args.slice(0, dash === -1 ? args.length : dash).includes('--json'))
  } finally {
    await oclif.flush()
  }
}

async function main() {
  // oclif's own answer, without loading oclif.
  if (argv.length === 1 && argv[0] === '--version') {
    const {version} = require(path.join(__dirname, '..', 'package.json'))
    process.stdout.write(`tsc-box/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
    return
  }
  const table = require(path.join(dist, 'cli', 'commands.json'))
  // The table's command of a name, or of an alias (`container:ls` is ps).
  const commandOf = (name) =>
    Object.hasOwn(table.commands, name) ? name : Object.keys(table.commands).find((id) => table.commands[id].aliases?.includes(name))
  // A two-word command (`network ls`) is the table's `network:ls`.
  const two = argv.length > 1 ? commandOf(`${argv[0]}:${argv[1]}`) : undefined
  const words = two === undefined ? 1 : 2
  const id = two ?? (argv.length > 0 ? commandOf(argv[0]) : undefined)
  const spec = id === undefined ? undefined : table.commands[id]
  // A command without a bundle would be oclif's (cli-no-oclif.test.ts fails on it).
  if (!spec?.bundle) return viaOclif(argv)
  // Every bundle answers fastCommand(id, argv, invokedAs): the exit status, or undefined for
  // oclif to answer the same command line (--help, and the usage errors whose message is oclif's).
  const mod = runModule(spec.bundle, table.bundles[spec.bundle])
  let code
  try {
    code = await mod.fastCommand(id, argv.slice(words), words === 2 ? `${argv[0]}:${argv[1]}` : argv[0])
  } catch (err) {
    report(err, mod.jsonRequested(id, argv.slice(words)), mod)
    return
  }
  if (code === undefined) return viaOclif(argv)
  process.exitCode = code
}

main().catch((err) => report(err, false))
