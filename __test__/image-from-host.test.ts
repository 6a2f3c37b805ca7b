// Minimal images from host binaries: `image from-host` and `run host:PATH` give a real,
// small container with just the binary, its ELF closure and a minimal /etc.
import test from 'ava'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'
import { mountsUnder } from './helpers/leaks'

test('image from-host builds a small single-layer image whose entrypoint is the binary', (t) => {
  const root = makeDataRoot()
  const b = tsc(root, ['image', 'from-host', 'envimg', '/usr/bin/env', '--json'])
  t.is(b.code, 0, b.stderr)
  const img = JSON.parse(b.stdout)
  t.is(img.layers.length, 1)
  t.deepEqual(img.refs, ['docker.io/library/envimg:latest'])
  const list = JSON.parse(tsc(root, ['images', '--json']).stdout)
  t.is(list.length, 1)
  t.is(list[0].repository, 'envimg')
  // libc and the loader dominate; a from-host env stays far below a distribution image.
  t.true(list[0].size > 100_000 && list[0].size < 5_000_000, `size ${list[0].size}`)
  const inspect = JSON.parse(tsc(root, ['image', 'inspect', 'envimg', '--json']).stdout)
  t.deepEqual(inspect[0].Config.Entrypoint, ['/usr/bin/env'])
  const files = readdirSync(join(root, 'images/layers', img.layers[0].diffId.slice(7)))
  t.deepEqual(
    files.filter((f) => !['usr', 'lib', 'lib64', 'bin', 'etc', 'dev', 'proc', 'sys', 'tmp', 'root'].includes(f)),
    [],
  )
  const r = tsc(root, ['run', '--rm', 'envimg', '-i', 'ONLY=1'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'ONLY=1\n')
})

test('run host:PATH builds the image on first use and reuses it', (t) => {
  const root = makeDataRoot()
  const first = tsc(root, ['run', '--rm', 'host:/usr/bin/env', '-i', 'A=b'])
  t.is(first.code, 0, first.stderr)
  t.is(first.stdout, 'A=b\n')
  const before = JSON.parse(tsc(root, ['images', '--json']).stdout)
  t.is(before.length, 1)
  t.is(before[0].repository, 'localhost/host/usr/bin/env')
  const second = tsc(root, ['run', '--rm', 'host:env', '-i', 'C=d'])
  t.is(second.stdout, 'C=d\n')
  t.deepEqual(JSON.parse(tsc(root, ['images', '--json']).stdout), before)
  t.deepEqual(mountsUnder(root), [])
})

test('the image holds only what the binary needs', (t) => {
  const root = makeDataRoot()
  const r = tsc(root, ['run', '--rm', 'host:/bin/busybox', 'sh', '-c', 'ls /; ls /etc'])
  t.is(r.code, 0, r.stderr)
  const [top, etc] = r.stdout.split('\n\n')
  t.notRegex(top, /\bvar\b|\bhome\b|\bopt\b/)
  t.regex(etc ?? r.stdout, /passwd/)
})

test('--add copies more host paths into the image', (t) => {
  const root = makeDataRoot()
  const without = tsc(root, ['run', '--rm', 'host:/bin/busybox', 'cat', '/etc/os-release'])
  t.not(without.code, 0)
  // /etc/os-release is a symlink into /usr/lib on Debian: the link and its target both come.
  const b = tsc(root, ['image', 'from-host', 'bb', '/bin/busybox', '--add', '/etc/os-release'])
  t.is(b.code, 0, b.stderr)
  const r = tsc(root, ['run', '--rm', 'bb', 'cat', '/etc/os-release'])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^ID=/m)
})

test('a missing or non-executable binary is refused and makes no image', (t) => {
  const root = makeDataRoot()
  for (const bin of ['/nonexistent/bin', '/etc/passwd']) {
    const r = tsc(root, ['image', 'from-host', 'x', bin, '--json'])
    t.is(r.code, 125, bin)
    t.truthy(JSON.parse(r.stdout).error.code, bin)
  }
  t.deepEqual(JSON.parse(tsc(root, ['images', '--json']).stdout), [])
})
