import test from 'ava'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hostsFile, resolvConf } from '../src/container/etc-files'
import { createContainer } from '../src/container/bundle'
import { releaseName, staleNames, validateName } from '../src/container/names'
import type { ContainerRecord } from '../src/container/record'
import { CliError } from '../src/errors'
import { resolveInRoot } from '../src/fs/in-root'
import { resolvePaths } from '../src/paths'
import { checkHostname, checkRootfs, checkWorkdir, commandArgs } from '../src/run/validate'

test('data root and run dir: root, rootless, and a --root with its own run dir', (t) => {
  t.deepEqual(resolvePaths(undefined, { uid: 0, env: {}, home: '/root' }), { dataRoot: '/var/lib/tsc-box', runDir: '/run/tsc-box' })
  t.deepEqual(resolvePaths(undefined, { uid: 1000, env: { XDG_DATA_HOME: '/x/data', XDG_RUNTIME_DIR: '/run/user/1000' }, home: '/home/u' }), {
    dataRoot: '/x/data/tsc-box',
    runDir: '/run/user/1000/tsc-box',
  })
  t.is(resolvePaths(undefined, { uid: 1000, env: {}, home: '/home/u' }).dataRoot, '/home/u/.local/share/tsc-box')
  const a = resolvePaths('/tmp/a', { uid: 0, env: {}, home: '/root' })
  const b = resolvePaths('/tmp/b', { uid: 0, env: {}, home: '/root' })
  t.is(a.dataRoot, '/tmp/a')
  t.regex(a.runDir, /^\/run\/tsc-box\/r\/[0-9a-f]{16}$/)
  t.not(a.runDir, b.runDir)
  t.is(resolvePaths('/tmp/a/', { uid: 0, env: {}, home: '/root' }).runDir, a.runDir)
})

test('resolveInRoot keeps symlinks and .. inside the root', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-inroot-'))
  mkdirSync(join(root, 'a/b'), { recursive: true })
  symlinkSync('/a', join(root, 'abs'))
  symlinkSync('../../../../..', join(root, 'a/up'))
  symlinkSync('loop2', join(root, 'loop1'))
  symlinkSync('loop1', join(root, 'loop2'))
  t.is(resolveInRoot(root, '/abs/b').hostPath, join(root, 'a/b'))
  t.is(resolveInRoot(root, '/a/up/a').hostPath, join(root, 'a'))
  t.is(resolveInRoot(root, '/../../a').hostPath, join(root, 'a'))
  t.is(resolveInRoot(root, '/nope/x').stat, undefined)
  t.throws(() => resolveInRoot(root, '/loop1'), { instanceOf: CliError })
})

test('rootfs checks: absolute, existing directory; images not yet', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-rootfs-'))
  t.is(checkRootfs(root), root)
  t.is(t.throws(() => checkRootfs('rel/dir'), { instanceOf: CliError })?.code, 'rootfs_relative')
  t.is(t.throws(() => checkRootfs(join(root, 'missing')), { instanceOf: CliError })?.code, 'rootfs_missing')
  writeFileSync(join(root, 'file'), '')
  t.is(t.throws(() => checkRootfs(join(root, 'file')), { instanceOf: CliError })?.code, 'rootfs_not_directory')
  t.is(t.throws(() => checkRootfs(undefined), { instanceOf: CliError })?.code, 'no_image')
})

test('workdir: absolute, and not a file in the rootfs (missing is fine)', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-wd-'))
  mkdirSync(join(root, 'w'))
  writeFileSync(join(root, 'f'), '')
  t.is(checkWorkdir(root, undefined), '/')
  t.is(checkWorkdir(root, '/w/'), '/w/')
  t.is(checkWorkdir(root, '/created/later'), '/created/later')
  t.is(t.throws(() => checkWorkdir(root, '/f'), { instanceOf: CliError })?.code, 'invalid_workdir')
  t.is(t.throws(() => checkWorkdir(root, 'w'), { instanceOf: CliError })?.code, 'invalid_workdir')
})

test('command: entrypoint first; nothing to run is an error', (t) => {
  t.deepEqual(commandArgs(undefined, ['a', 'b']), ['a', 'b'])
  t.deepEqual(commandArgs('/ep', ['a']), ['/ep', 'a'])
  t.deepEqual(commandArgs('', ['a']), ['a'])
  t.is(t.throws(() => commandArgs(undefined, []), { instanceOf: CliError })?.code, 'no_command')
})

function record(id: string, name: string): ContainerRecord {
  return { id, name, created: new Date().toISOString(), rootfs: '/r', command: ['sh'], status: 'creating', exitCode: null, oomKilled: false }
}

test('names: docker syntax, claimed atomically once by create, released only by the holder', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-names-'))
  validateName('web_1.a-b')
  t.throws(() => validateName('-x'), { instanceOf: CliError })
  t.throws(() => validateName('a'), { instanceOf: CliError })
  t.throws(() => validateName('a/b'), { instanceOf: CliError })
  t.is(createContainer(root, record('id1', 'web')).name, 'web')
  t.is(readFileSync(join(root, 'names', 'web'), 'utf8'), 'id1')
  const e = t.throws(() => createContainer(root, record('id2', 'web')), { instanceOf: CliError })
  t.is(e?.code, 'name_in_use')
  t.is(e?.exitCode, 125)
  // The loser leaves nothing; the winner's directory holds its record only (no claim file).
  t.false(existsSync(join(root, 'containers', 'id2')))
  t.deepEqual(readdirSync(join(root, 'containers', 'id1')), ['record.json'])
  releaseName(root, 'web', 'id2')
  t.throws(() => createContainer(root, record('id3', 'web')), { instanceOf: CliError })
  releaseName(root, 'web', 'id1')
  t.is(createContainer(root, record('id3', 'web')).name, 'web')
  // No name: a random docker-style one, written into the record.
  const anon = createContainer(root, record('id4', ''))
  t.regex(anon.name, /^[a-z]+_[a-z]+_\d{4}$/)
  t.is(JSON.parse(readFileSync(join(anon.files.dir, 'record.json'), 'utf8')).name, anon.name)
})

test('names whose container directory is gone are stale (what a killed run leaves for prune)', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-names-'))
  createContainer(root, record('a', 'kept'))
  mkdirSync(join(root, 'names'), { recursive: true })
  writeFileSync(join(root, 'names', 'orphan'), 'b')
  t.deepEqual(staleNames({ dataRoot: root, runDir: '' }), [{ name: 'orphan', id: 'b' }])
  t.deepEqual(staleNames({ dataRoot: join(root, 'nothing-here'), runDir: '' }), [])
})

test('generated /etc files', (t) => {
  t.regex(hostsFile('box'), /^127\.0\.0\.1\tlocalhost$/m)
  t.regex(hostsFile('box', 'example.org'), /^127\.0\.1\.1\tbox\.example\.org box$/m)
  t.is(resolvConf('nameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch lan\n'), 'nameserver 10.0.0.1\nsearch lan\n')
})

test('hostnames and domain names follow DNS syntax', (t) => {
  t.notThrows(() => checkHostname('hostname', 'web-1'))
  t.notThrows(() => checkHostname('domainname', 'example.org'))
  t.notThrows(() => checkHostname('hostname', undefined))
  for (const bad of ['', '-x', 'a_b', 'a b', 'x'.repeat(65), 'a..b']) {
    t.is(t.throws(() => checkHostname('hostname', bad), { instanceOf: CliError })?.code, 'invalid_hostname', bad)
  }
})
