// tsc-box-runtime speaks the OCI runtime command line: a bundle made by `runc spec` runs under it
// with the same output and exit status as under runc, and the create/start/state/kill/delete
// lifecycle behaves as the runtime spec says.
import test from 'ava'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cgroupsNamed, mountsUnder } from './helpers/leaks'
import { makeBundle, runtime, runtimeCreate, setArgs, stateDir, TSC_RUNTIME, type Config } from './helpers/bundle'

let seq = 0
const newId = (p: string) => `${p}-${process.pid}-${++seq}`

const cases: Array<[string, string[]]> = [
  ['echo', ['echo', 'hello', 'world']],
  ['exit 3', ['sh', '-c', 'echo out; echo err >&2; exit 3']],
  ['pid 1 and hostname', ['sh', '-c', 'echo $$; hostname']],
  ['id and cwd', ['sh', '-c', 'id; pwd']],
  ['environment', ['sh', '-c', 'env | sort']],
  ['capabilities', ['sh', '-c', 'grep ^Cap /proc/self/status']],
  ['no new privileges', ['sh', '-c', 'grep NoNewPrivs /proc/self/status']],
  ['rlimit nofile', ['sh', '-c', 'ulimit -n']],
  ['read-only root', ['sh', '-c', 'touch /x 2>&1; echo $?']],
  ['masked paths', ['sh', '-c', 'cat /proc/kcore 2>&1 | wc -c; ls /sys/firmware | wc -l']],
  ['mount points', ['sh', '-c', "awk '{print $5}' /proc/self/mountinfo | sort"]], // points only: on pure v2 runc 1.1 reports /sys/fs/cgroup as 'cgroup', ours as 'cgroup2'
]

for (const [what, args] of cases) {
  test(`same result as runc: ${what}`, (t) => {
    const bundle = makeBundle((c) => {
      setArgs(...args)(c)
      c.hostname = 'same-host'
    })
    const ours = runtime(TSC_RUNTIME, stateDir(), ['run', '-b', bundle, newId('ours')])
    const theirs = runtime('runc', stateDir(), ['run', '-b', bundle, newId('runc')])
    t.is(ours.stdout, theirs.stdout, `stderr: ${ours.stderr}`)
    t.is(ours.code, theirs.code)
    t.deepEqual(mountsUnder(join(bundle, 'rootfs')), [])
  })
}

test('a missing command exits 127 and a non-executable one 126', (t) => {
  const missing = makeBundle(setArgs('no-such-cmd'))
  const r = runtime(TSC_RUNTIME, stateDir(), ['run', '-b', missing, newId('nf')])
  t.is(r.code, 127)
  t.regex(r.stderr, /no-such-cmd/)
  const noexec = makeBundle(setArgs('/etc/passwd'))
  t.is(runtime(TSC_RUNTIME, stateDir(), ['run', '-b', noexec, newId('ne')]).code, 126)
})

test('create, start, state, kill and delete follow the runtime spec', async (t) => {
  const state = stateDir()
  const id = newId('life')
  const bundle = makeBundle((c) => {
    setArgs('sh', '-c', 'echo started > /tmp/started; exec sleep 300')(c)
    c.root.readonly = false
  })
  const created = runtimeCreate(TSC_RUNTIME, state, ['create', '-b', bundle, '--pid-file', join(bundle, 'pid'), id])
  t.is(created.code, 0, created.stderr)

  const s1 = JSON.parse(runtime(TSC_RUNTIME, state, ['state', id]).stdout)
  t.is(s1.status, 'created')
  t.is(s1.id, id)
  t.is(s1.bundle, bundle)
  t.is(typeof s1.ociVersion, 'string')
  t.is(Number(readFileSync(join(bundle, 'pid'), 'utf8')), s1.pid)
  // The user process has not started: its first action did not happen yet.
  await new Promise((r) => setTimeout(r, 200))
  t.false(existsSync(join(bundle, 'rootfs/tmp/started')))

  // The runtime spec: deleting a container that is not stopped must fail (without --force).
  t.not(runtime(TSC_RUNTIME, state, ['delete', id]).code, 0)
  t.is(JSON.parse(runtime(TSC_RUNTIME, state, ['state', id]).stdout).status, 'created')

  t.is(runtime(TSC_RUNTIME, state, ['start', id]).code, 0)
  for (let i = 0; i < 50 && !existsSync(join(bundle, 'rootfs/tmp/started')); i++) await new Promise((r) => setTimeout(r, 50))
  t.true(existsSync(join(bundle, 'rootfs/tmp/started')))
  t.is(JSON.parse(runtime(TSC_RUNTIME, state, ['state', id]).stdout).status, 'running')
  t.not(runtime(TSC_RUNTIME, state, ['start', id]).code, 0, 'a second start must fail')

  t.is(runtime(TSC_RUNTIME, state, ['kill', id, 'KILL']).code, 0)
  let status = ''
  for (let i = 0; i < 50 && status !== 'stopped'; i++) {
    await new Promise((r) => setTimeout(r, 50))
    status = JSON.parse(runtime(TSC_RUNTIME, state, ['state', id]).stdout).status
  }
  t.is(status, 'stopped')

  t.is(runtime(TSC_RUNTIME, state, ['delete', id]).code, 0)
  const gone = runtime(TSC_RUNTIME, state, ['state', id])
  t.not(gone.code, 0)
  t.regex(gone.stderr, new RegExp(id))
  t.deepEqual(cgroupsNamed(id), [])
  t.deepEqual(mountsUnder(join(bundle, 'rootfs')), [])
})

test('delete --force kills a running container and removes everything', (t) => {
  const state = stateDir()
  const id = newId('force')
  const bundle = makeBundle(setArgs('sleep', '300'))
  t.is(runtimeCreate(TSC_RUNTIME, state, ['create', '-b', bundle, id]).code, 0)
  t.is(runtime(TSC_RUNTIME, state, ['start', id]).code, 0)
  const r = runtime(TSC_RUNTIME, state, ['delete', '--force', id])
  t.is(r.code, 0, r.stderr)
  t.not(runtime(TSC_RUNTIME, state, ['state', id]).code, 0)
  t.deepEqual(cgroupsNamed(id), [])
})

test('features prints the OCI features document', (t) => {
  const r = runtime(TSC_RUNTIME, stateDir(), ['features'])
  t.is(r.code, 0, r.stderr)
  const f = JSON.parse(r.stdout)
  t.regex(f.ociVersionMin, /^1\./)
  t.regex(f.ociVersionMax, /^1\./)
  t.true(f.linux.namespaces.includes('pid'))
})

const malformed: Array<[string, (c: Config) => void, RegExp]> = [
  ['an empty process.args', (c) => (c.process.args = []), /process\.args/],
  ['an ociVersion of another major', (c) => (c.ociVersion = '2.0.0'), /ociVersion/],
  ['a relative mount destination', (c) => c.mounts.push({ destination: 'rel/dir', type: 'tmpfs', source: 'tmpfs' }), /destination/],
  ['a relative process.cwd', (c) => (c.process.cwd = 'relative'), /cwd/],
  ['a missing root.path', (c) => (c.root.path = 'no-such-rootfs'), /root/],
  ['an unknown namespace type', (c) => c.linux.namespaces.push({ type: 'bogus' }), /namespace|bogus/],
]

for (const [what, edit, field] of malformed) {
  test(`a config.json with ${what} is refused, naming the field`, (t) => {
    const bundle = makeBundle(edit)
    const id = newId('bad')
    const r = runtime(TSC_RUNTIME, stateDir(), ['run', '-b', bundle, id])
    t.not(r.code, 0)
    t.regex(r.stderr, field)
    t.deepEqual(cgroupsNamed(id), [])
  })
}

test('a config.json that is not JSON is refused', (t) => {
  const bundle = makeBundle()
  writeFileSync(join(bundle, 'config.json'), '{"ociVersion": ')
  const r = runtime(TSC_RUNTIME, stateDir(), ['run', '-b', bundle, newId('nojson')])
  t.not(r.code, 0)
  t.regex(r.stderr, /config\.json/)
})
