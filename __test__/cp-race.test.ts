// docker's CVE-2018-15664: `docker cp` resolved a container's path, then used it, and a
// container that swapped a directory for a symlink meanwhile made docker read or write the
// host's files. Here a container swaps /w between a directory and a symlink to a host
// directory (and to /) in a loop while cp runs many times both ways: no copy may read the
// host's secret or write a file into the host's directory.
import test from 'ava'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()
const host = mkdtempSync(join(tmpdir(), 'tsc-box-cp-race-'))
const secretDir = join(host, 'secret-dir')
const out = join(host, 'out')

test.before(() => {
  mkdirSync(secretDir)
  mkdirSync(out)
  writeFileSync(join(secretDir, 'secret'), 'HOST SECRET')
  writeFileSync(join(host, 'payload'), 'payload')
  // Each turn: /w is a directory holding a decoy "secret", then a symlink to the host's
  // directory (a path the container does not have, but the host does), then one to /.
  const loop = `while :; do mkdir /w.n; echo container > /w.n/secret; rm -rf /w; mv /w.n /w; ln -s ${secretDir} /w.l; rm -rf /w; mv /w.l /w; ln -s / /w.r; rm -f /w; mv /w.r /w; done`
  const r = tsc(root, ['run', '-d', '--name', 'swapper', '--rootfs', rootfs, 'sh', '-c', loop])
  if (r.code !== 0) throw new Error(`run -d: ${r.stderr}`)
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
  rmSync(host, { recursive: true, force: true })
})

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    return e.isDirectory() ? files(p) : e.isFile() ? [p] : []
  })
}

test.serial('a symlink swapped in a loop never makes cp read or write the host', (t) => {
  let copiedOut = 0
  let copiedIn = 0
  for (let i = 0; i < 60; i++) {
    if (tsc(root, ['cp', 'swapper:/w/secret', join(out, `f${i}`)]).code === 0) copiedOut++
    if (tsc(root, ['cp', 'swapper:/w', join(out, `d${i}`)]).code === 0) copiedOut++
    if (tsc(root, ['cp', join(host, 'payload'), `swapper:/w/in${i}`]).code === 0) copiedIn++
    if (tsc(root, ['cp', join(host, 'payload'), 'swapper:/w/secret']).code === 0) copiedIn++
  }
  t.log(`copies that succeeded: ${copiedOut} out, ${copiedIn} in (the others met /w mid-swap)`)
  t.true(copiedOut + copiedIn > 0, 'the copies ran against the container')
  // Nothing was written into the host's directory, and its secret is intact.
  t.deepEqual(readdirSync(secretDir), ['secret'])
  t.is(readFileSync(join(secretDir, 'secret'), 'utf8'), 'HOST SECRET')
  // Nothing copied out holds the host's secret.
  for (const f of files(out)) t.not(readFileSync(f, 'utf8'), 'HOST SECRET', f)
  t.true(statSync(out).isDirectory())
})
