#!/usr/bin/env node
// Builds dist/lifecycle-fast.js (+ its V8 code cache dist/lifecycle-fast.cache): the one-file
// fast path of `tsc-box exec` and `tsc-box rm` that bin/run.js loads without oclif, the way
// scripts/build-fast.js builds run's. Loading the ~20 modules one by one costs more than the
// runtime's whole exec.
'use strict'
const esbuild = require('esbuild')
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

const root = path.join(__dirname, '..')
const out = path.join(root, 'dist', 'lifecycle-fast.js')
const cache = path.join(root, 'dist', 'lifecycle-fast.cache')

async function main() {
  await esbuild.build({
    entryPoints: [path.join(root, 'src', 'lifecycle', 'fast.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    logLevel: 'warning',
  })
  // Builtins are used through their namespace only: require them directly (see build-fast.js).
  let code = fs.readFileSync(out, 'utf8')
  const wrapped = [...code.matchAll(/var (\w+) = __toESM\(require\("node:[\w/]+"\)\)/g)].map((m) => m[1])
  for (const name of wrapped) {
    if (new RegExp(`\\b${name}\\.default\\b`).test(code)) throw new Error(`${name}: a default import of a Node builtin; use import * as`)
  }
  code = code.replace(/__toESM\((require\("node:[\w/]+"\))\)/g, '$1')
  fs.writeFileSync(out, code)
  // The cache holds what V8 compiled while the top level ran and a command line was parsed.
  const script = new vm.Script(Module.wrap(code), {filename: out})
  const mod = {exports: {}}
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(out), mod, out, path.dirname(out))
  await mod.exports.fastCommand('exec', ['-i', '-t', '-e', 'A=1', '--help'])
  await mod.exports.fastCommand('rm', ['-f', '--help'])
  fs.writeFileSync(cache, script.createCachedData())
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
