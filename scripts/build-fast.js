#!/usr/bin/env node
// Builds the one-file fast paths that bin/run.js loads without oclif, each with V8's code cache:
// dist/run-fast.js for `run`, and for every other command the bundle the table names
// (src/cli/commands.json): the actions' dispatcher (src/actions/index.ts) with the actions of
// that bundle's commands imported by name (src/actions/<id>.ts), each loaded on its first use.
// Measured on this project (node 20): one bundle instead of ~25 modules saves ~7 ms;
// requiring Node builtins directly instead of through esbuild's namespace copy (__toESM copies
// every property of `fs`, once per importing module) ~1.7 ms; the code cache ~1.4 ms.
'use strict'
const esbuild = require('esbuild')
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

const root = path.join(__dirname, '..')

const table = require(path.join(root, 'src', 'cli', 'commands.json'))
const ACTIONS = 'src/actions/index.ts'

/** The commands whose bundle is `name`. */
function commandsOf(name) {
  return Object.entries(table.commands)
    .filter(([, spec]) => spec.bundle === name)
    .map(([id]) => id)
}

/**
 * The entry of an actions bundle: the dispatcher with this bundle's actions imported by name
 * (esbuild bundles a literal import(), each module initialised on its first use).
 */
function actionsEntry(name) {
  const loaders = commandsOf(name).map((id) => `  ${JSON.stringify(id)}: () => import('./src/actions/${id.split(':').join('/')}'),`)
  return [
    "import {dispatcher} from './src/cli/dispatch'",
    "export {reportError} from './src/cli/error-output'",
    `const actions = {\n${loaders.join('\n')}\n}`,
    'export const {fastCommand, jsonRequested} = dispatcher(async (id) => (Object.hasOwn(actions, id) ? (await actions[id]()).default : undefined))',
  ].join('\n')
}

// `warm` runs command lines of each bundle so that the cache holds what V8 compiled for them:
// run's typical flags; for an actions bundle each command with a flag it refuses, which loads
// its action (its modules' top level) and the parser, and runs nothing.
async function warmActions(m, name) {
  for (const id of commandsOf(name)) await m.fastCommand(id, ['--warm-up-flag']).catch(() => undefined)
}
const warm = {
  'run-fast': (m) => m.fastCommand('run', ['--rm', '-i', '-t', '-e', 'A=1', '-v', '/a:/b', '--help', 'x']),
}
const bundles = Object.entries(table.bundles).map(([name, entry]) => {
  if (entry === ACTIONS) return {name, stdin: actionsEntry(name), warm: (m) => warmActions(m, name)}
  if (!warm[name]) throw new Error(`${name}: a bundle of src/cli/commands.json without its warm-up here`)
  return {name, entry: entry.split('/'), warm: warm[name]}
})

async function build({name, entry, stdin, warm}) {
  const out = path.join(root, 'dist', `${name}.js`)
  await esbuild.build({
    ...(stdin === undefined
      ? {entryPoints: [path.join(root, ...entry)]}
      : {stdin: {contents: stdin, resolveDir: root, sourcefile: `${name}.ts`, loader: 'ts'}}),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    logLevel: 'warning',
  })

  // `import * as fs from 'node:fs'` only ever reads properties of the namespace, which the
  // module object itself provides; a default import would need `.default`, so refuse those.
  // This one rewrite of esbuild's output stays: esbuild has no option to skip its namespace
  // copy of a CommonJS module, and the alternative (`import fs = require(...)` in every
  // source file) would spread a bundling concern over the whole code base.
  let code = fs.readFileSync(out, 'utf8')
  const wrapped = [...code.matchAll(/var (\w+) = __toESM\(require\("node:[\w/]+"\)\)/g)].map((m) => m[1])
  for (const id of wrapped) {
    if (new RegExp(`\\b${id}\\.default\\b`).test(code)) throw new Error(`${name}: ${id} is a default import of a Node builtin; use import * as`)
  }
  code = code.replace(/__toESM\((require\("node:[\w/]+"\))\)/g, '$1')
  fs.writeFileSync(out, code)

  // bin/run.js falls back to a plain compile when V8 rejects the cache (another node version).
  const script = new vm.Script(Module.wrap(code), {filename: out})
  const mod = {exports: {}}
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(out), mod, out, path.dirname(out))
  await warm(mod.exports)
  fs.writeFileSync(path.join(root, 'dist', `${name}.cache`), script.createCachedData())
}

async function main() {
  require('./commands-table').checkEntry()
  for (const b of bundles) await build(b)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
