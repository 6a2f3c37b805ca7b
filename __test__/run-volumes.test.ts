// -v binds host paths into the container, read-write or read-only; --read-only freezes the rootfs.
import test from 'ava'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'
import { mountsUnder } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'

const root = makeDataRoot()
const rootfs = makeRootfs()
const run = (...args: string[]) => tsc(root, ['run', '--rm', '--rootfs', rootfs, ...args])

test('a read-write volume: the host sees what the app writes and the app sees host files', (t) => {
  const vol = mkdtempSync(join(tmpdir(), 'tsc-box-vol-'))
  writeFileSync(join(vol, 'from-host'), 'hello from host\n')
  const r = run('-v', `${vol}:/data`, 'sh', '-c', 'cat /data/from-host; echo written > /data/from-app')
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'hello from host\n')
  t.is(readFileSync(join(vol, 'from-app'), 'utf8'), 'written\n')
  t.deepEqual(mountsUnder(rootfs), [], 'the volume mount leaked onto the host')
})

test('a read-only volume refuses writes', (t) => {
  const vol = mkdtempSync(join(tmpdir(), 'tsc-box-vol-'))
  const r = run('-v', `${vol}:/data:ro`, 'sh', '-c', 'echo x > /data/f && echo wrote || echo refused')
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), 'refused')
  t.false(existsSync(join(vol, 'f')))
})

test('a single file can be a volume', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-vol-'))
  const file = join(dir, 'config')
  writeFileSync(file, 'key=value\n')
  const r = run('-v', `${file}:/etc/app.conf:ro`, 'cat', '/etc/app.conf')
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'key=value\n')
})

test('--read-only makes the root filesystem read-only, but not the volumes', (t) => {
  const vol = mkdtempSync(join(tmpdir(), 'tsc-box-vol-'))
  const r = run('--read-only', '-v', `${vol}:/data`, 'sh', '-c', 'touch /x 2>/dev/null && echo root-rw || echo root-ro; touch /data/y && echo vol-rw')
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.stdout.trim().split('\n'), ['root-ro', 'vol-rw'])
  t.false(existsSync(join(rootfs, 'x')))
})

test('without --read-only the app writes to its root filesystem', (t) => {
  const r = run('sh', '-c', 'echo data > /written-by-app && cat /written-by-app')
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'data\n')
})
