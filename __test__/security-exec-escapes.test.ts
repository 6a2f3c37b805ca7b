// Escapes through the processes the runtime puts into a running container, done as an
// attacker would, through the CLI (`tsc-box exec`, whose native front door is the runtime)
// and through the raw runtime as containerd and podman drive it:
// - exec's working directory reaching the host (the CVE-2024-21626 class): an fd the caller
//   leaks, and a container that turns its working directory into a /proc/self/fd/N symlink
//   so that every later plain `exec` (which holds the cgroup fd of its clone on v2) walks out;
// - the runtime binary changed from inside (the CVE-2019-5736 class): the container makes
//   the runtime execute itself inside it (an `init` symlink to /proc/self/exe, which the
//   runtime then runs as its tiny init, so it stays long enough to be seen) while a watcher
//   in the container grabs /proc/<pid>/exe and, once the runtime is gone, chmods and appends.
// Every test checks the host itself (files, the binary's bytes and mode), not only an exit code.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import type { LinuxSeccomp } from '../src/oci/spec'
import { makeBundle, runtime, runtimeCreate, stateDir } from './helpers/bundle'
import { makeDataRoot, RUNTIME, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { raceTracer } from './helpers/race-tracer'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A private copy of the runtime binary for the tests that attack it, so a successful attack
 * cannot break the binary every other test uses.
 */
function victimRuntime(): { bin: string; digest: () => string; mode: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-victim-rt-'))
  const bin = join(dir, 'tsc-box-runtime')
  copyFileSync(RUNTIME, bin)
  chmodSync(bin, 0o755)
  return {
    bin,
    digest: () => createHash('sha256').update(readFileSync(bin)).digest('hex'),
    mode: () => statSync(bin).mode & 0o7777,
  }
}

/**
 * The watcher: waits for any process in its pid namespace whose executable is not busybox,
 * keeps it open, waits until that process and the runtime that started it are gone, then
 * tries to chmod it setuid + world-writable and to append to it, through /proc/self/fd.
 */
const WATCHER = `
end=$(($(date +%s) + 90))
while [ $(date +%s) -lt $end ]; do
  i=0
  while [ $i -lt 200 ]; do
    i=$((i+1))
    for e in /proc/[0-9]*/exe; do
      [ "$e" = /proc/self/exe ] && continue
      [ "$e" -ef /bin/busybox ] && continue
      if ( : <"$e" ) 2>/dev/null; then exec 7<"$e"; echo "grabbed $e"; break 3; fi
    done
  done
done
sleep 5
chmod 6777 /proc/self/fd/7 2>/dev/null && echo CHMOD-OK || echo CHMOD-REFUSED
{ echo PWNED >> /proc/self/fd/7; } 2>/dev/null && echo WRITE-OK || echo WRITE-REFUSED
echo watcher-done
`

/** A rootfs with the watcher and /sbin/init -> /proc/self/exe (argv[0] "init": the tiny init). */
function attackRootfs(rfs = makeRootfs()): string {
  writeFileSync(join(rfs, 'watch.sh'), WATCHER)
  symlinkSync('/proc/self/exe', join(rfs, 'init'))
  return rfs
}

function assertUnchanged(t: import('ava').ExecutionContext, v: ReturnType<typeof victimRuntime>, before: string, watcherOut: string) {
  t.regex(watcherOut, /grabbed \/proc\/\d+\/exe/, `the attack never saw the runtime: ${watcherOut}`)
  t.regex(watcherOut, /CHMOD-REFUSED/, watcherOut)
  t.regex(watcherOut, /WRITE-REFUSED/, watcherOut)
  t.is(v.digest(), before, 'the host runtime binary changed')
  t.is(v.mode(), 0o755, 'the mode of the host runtime binary changed')
}

async function waitFor(read: () => string, pattern: RegExp, ms: number): Promise<string> {
  const end = Date.now() + ms
  let s = read()
  while (!pattern.test(s) && Date.now() < end) {
    await sleep(100)
    s = read()
  }
  return s
}

test('CVE-2019-5736 through the raw runtime: an exec that runs /proc/self/exe cannot change the runtime binary', async (t) => {
  const v = victimRuntime()
  const before = v.digest()
  const state = stateDir()
  const id = `exe-exec-${process.pid}`
  const bundle = makeBundle((c) => {
    c.process.args = ['sh', '/watch.sh']
  })
  attackRootfs(join(bundle, 'rootfs'))
  t.teardown(() => void runtime(v.bin, state, ['delete', '--force', id]))
  const out = join(bundle, 'create.out')
  t.is(runtimeCreate(v.bin, state, ['create', '-b', bundle, id]).code, 0)
  t.is(runtime(v.bin, state, ['start', id]).code, 0)
  await sleep(300)
  // The operator's exec: its process execs /init, which is the runtime binary itself.
  const e = runtime(v.bin, state, ['exec', id, '/init', 'sleep', '3'])
  t.is(e.code, 0, `${e.stderr}\nthe container's output: ${readFileSync(out, 'utf8')}`)
  assertUnchanged(t, v, before, await waitFor(() => readFileSync(out, 'utf8'), /watcher-done/, 20_000))
})

test('CVE-2019-5736 through the raw runtime: an init that is /proc/self/exe, watched from a shared pid namespace, cannot change the runtime binary', async (t) => {
  const v = victimRuntime()
  const before = v.digest()
  const state = stateDir()
  const watcher = `exe-w-${process.pid}`
  const victim = `exe-init-${process.pid}`
  const wb = makeBundle((c) => {
    c.process.args = ['sh', '/watch.sh']
  })
  attackRootfs(join(wb, 'rootfs'))
  t.teardown(() => {
    runtime(v.bin, state, ['delete', '--force', victim])
    runtime(v.bin, state, ['delete', '--force', watcher])
  })
  t.is(runtimeCreate(v.bin, state, ['create', '-b', wb, watcher]).code, 0)
  t.is(runtime(v.bin, state, ['start', watcher]).code, 0)
  const pid = JSON.parse(runtime(v.bin, state, ['state', watcher]).stdout).pid as number
  // A second container in the watcher's pid namespace (a pod's containers share one), whose
  // entrypoint is the runtime binary.
  const vb = makeBundle((c) => {
    c.process.args = ['/init', 'sleep', '3']
    c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (n.type === 'pid' ? { type: 'pid', path: `/proc/${pid}/ns/pid` } : n))
  })
  attackRootfs(join(vb, 'rootfs'))
  await sleep(300)
  const r = runtime(v.bin, state, ['run', '-b', vb, victim])
  t.is(r.code, 0, r.stderr)
  const out = await waitFor(() => readFileSync(join(wb, 'create.out'), 'utf8'), /watcher-done/, 20_000)
  assertUnchanged(t, v, before, out)
})

test('CVE-2019-5736 through the CLI: exec of /proc/self/exe and an entrypoint that is /proc/self/exe cannot change the runtime binary', async (t) => {
  const v = victimRuntime()
  const before = v.digest()
  const root = makeDataRoot()
  const env = { TSC_BOX_RUNTIME: v.bin }
  const rfs = attackRootfs()
  const name = `exe-cli-${process.pid}`
  t.teardown(() => void tsc(root, ['rm', '-f', name], '', env))
  const d = tsc(root, ['run', '-d', '--network', 'none', '--name', name, '--rootfs', rfs, 'sh', '/watch.sh'], '', env)
  t.is(d.code, 0, d.stderr)
  await sleep(300)
  const e = tsc(root, ['exec', name, '/init', 'sleep', '3'], '', env)
  t.is(e.code, 0, e.stderr)
  const logs = await waitFor(() => tsc(root, ['logs', name], '', env).stdout, /watcher-done/, 20_000)
  assertUnchanged(t, v, before, logs)

  // The entrypoint is the runtime binary, running as the container's init (pid 1) with the
  // watcher as its child: the watcher grabs /proc/1/exe.
  const r = tsc(root, ['run', '--rm', '--network', 'none', '--rootfs', attackRootfs(), '/init', 'sh', '/watch.sh'], '', env)
  assertUnchanged(t, v, before, r.stdout)
})

/** A host directory with a secret in it, and the path to the secret as `../` from anywhere. */
function hostSecret() {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-secret-'))
  const secret = randomBytes(16).toString('hex')
  writeFileSync(join(dir, 'secret'), secret)
  return { dir, secret, upward: '../'.repeat(12) + relative('/', join(dir, 'secret')) }
}

/** Runs `cmd` with the directory `dir` open as fd 3, as a careless caller would. */
function withFd3(dir: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('sh', ['-c', 'exec "$@" 3<"$D"', 'sh', cmd, ...args], {
    env: { ...process.env, ...env, D: dir },
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}

test('CVE-2024-21626: exec -w /proc/self/fd/3 with a host directory on fd 3 never reaches it (CLI and raw runtime)', (t) => {
  const root = makeDataRoot()
  const name = `cwd-cli-${process.pid}`
  t.teardown(() => void tsc(root, ['rm', '-f', name]))
  t.is(tsc(root, ['run', '-d', '--network', 'none', '--name', name, '--rootfs', makeRootfs(), 'sleep', '60']).code, 0)
  const s = hostSecret()
  const cli = withFd3(s.dir, join(__dirname, '..', 'bin/run.js'), ['exec', '-w', '/proc/self/fd/3', name, 'sh', '-c', `echo x > ./ESCAPED; cat ${s.upward}`], {
    TSC_BOX_ROOT: root,
  })
  t.false(cli.stdout.includes(s.secret), `the exec read a host file: ${cli.stdout}`)
  t.deepEqual(readdirSync(s.dir), ['secret'], 'the exec wrote into the host directory')
  t.not(cli.code, 0, 'a cwd through a magic link is refused')
  t.regex(cli.stderr, /proc\/self\/fd\/3/, cli.stderr)

  const state = stateDir()
  const id = `cwd-rt-${process.pid}`
  const bundle = makeBundle((c) => {
    c.process.args = ['sleep', '60']
  })
  t.teardown(() => void runtime(RUNTIME, state, ['delete', '--force', id]))
  t.is(runtimeCreate(RUNTIME, state, ['create', '-b', bundle, id]).code, 0)
  t.is(runtime(RUNTIME, state, ['start', id]).code, 0)
  const raw = withFd3(s.dir, RUNTIME, ['--root', state, 'exec', '--cwd', '/proc/self/fd/3', id, 'sh', '-c', `echo x > ./ESCAPED; cat ${s.upward}`])
  t.false(raw.stdout.includes(s.secret), `the exec read a host file: ${raw.stdout}`)
  t.deepEqual(readdirSync(s.dir), ['secret'], 'the exec wrote into the host directory')
  t.not(raw.code, 0)
})

test('CVE-2024-21626: a container that swaps its working directory for a /proc/self/fd/N symlink cannot send later execs out', (t) => {
  const root = makeDataRoot()
  const name = `cwd-swap-${process.pid}`
  t.teardown(() => void tsc(root, ['rm', '-f', name]))
  t.is(tsc(root, ['run', '-d', '--network', 'none', '--name', name, '-w', '/work', '--rootfs', makeRootfs(), 'sleep', '60']).code, 0)
  const state = stateDir()
  const id = `cwd-swap-rt-${process.pid}`
  const bundle = makeBundle((c) => {
    c.process.args = ['sleep', '60']
    c.process.cwd = '/work'
    c.root.readonly = false
  })
  t.teardown(() => void runtime(RUNTIME, state, ['delete', '--force', id]))
  t.is(runtimeCreate(RUNTIME, state, ['create', '-b', bundle, id]).code, 0)
  t.is(runtime(RUNTIME, state, ['start', id]).code, 0)
  const marker = `escaped-${randomBytes(4).toString('hex')}`
  const runs = [
    (args: string[], cwd?: string) => tsc(root, ['exec', ...(cwd ? ['-w', cwd] : []), name, ...args]),
    (args: string[], cwd?: string) => runtime(RUNTIME, state, ['exec', ...(cwd ? ['--cwd', cwd] : []), id, ...args]),
  ]
  for (const [i, exec] of runs.entries()) {
    for (let fd = 3; fd <= 10; fd++) {
      // The container's own root replaces its working directory (nothing from the host).
      const swap = exec(['/bin/sh', '-c', `rm -rf /work; ln -s /proc/self/fd/${fd} /work`], '/')
      t.is(swap.code, 0, swap.stderr)
      // A plain exec, as an operator runs it; from the host's cgroupfs (v2) or anything an fd
      // leads to, `touch` would create the marker outside the container.
      const r = exec(['/bin/sh', '-c', `ls -a; touch ${marker}; pwd`])
      t.false(r.stdout.includes('cgroup.procs'), `exec #${i} with cwd -> fd ${fd} ran in the host's cgroupfs: ${r.stdout}`)
      t.not(r.code, 0, `exec #${i} with cwd -> fd ${fd} ran in ${r.stdout.trim()}`)
    }
  }
  t.deepEqual(findMarker(marker), [], 'the marker appeared on the host')
})

/** Where the marker landed on the host's cgroup filesystems or /tmp, if anywhere. */
function findMarker(marker: string): string[] {
  const found: string[] = []
  const walk = (dir: string, depth: number) => {
    if (depth > 5) return
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      if (e.name === marker) found.push(join(dir, e.name))
      else if (e.isDirectory()) walk(join(dir, e.name), depth + 1)
    }
  }
  walk('/sys/fs/cgroup', 0)
  walk(tmpdir(), 0)
  if (existsSync(join('/', marker))) found.push(join('/', marker))
  return found
}

/** Seccomp: N of every exec'd process's /proc/self/status, and what the tracer printed. */
function seccompModes(outputs: string[]): string[] {
  return outputs.map((o) => /^Seccomp:\s*(\d)/m.exec(o)?.[1] ?? `no Seccomp line in ${JSON.stringify(o)}`)
}

const SECCOMP_PROFILE: LinuxSeccomp = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
  syscalls: [{ names: ['unshare', 'keyctl'], action: 'SCMP_ACT_ERRNO' }],
}

test('a root tracer in the container cannot catch an exec before its seccomp filter (raw runtime and CLI)', async (t) => {
  const tracer = raceTracer()
  const state = stateDir()
  const id = `ptrace-${process.pid}`
  const bundle = makeBundle((c) => {
    c.process.args = ['/tracer', '900']
    // no_new_privs: the filter goes on after the capability and uid drop, the racy order.
    c.process.noNewPrivileges = true
    c.linux.seccomp = SECCOMP_PROFILE
  })
  copyFileSync(tracer, join(bundle, 'rootfs/tracer'))
  chmodSync(join(bundle, 'rootfs/tracer'), 0o755)
  t.teardown(() => void runtime(RUNTIME, state, ['delete', '--force', id]))
  t.is(runtimeCreate(RUNTIME, state, ['create', '-b', bundle, id]).code, 0)
  t.is(runtime(RUNTIME, state, ['start', id]).code, 0)
  await sleep(200)
  const raw: string[] = []
  for (let i = 0; i < 60; i++) raw.push(runtime(RUNTIME, state, ['exec', id, 'cat', '/proc/self/status']).stdout)

  const root = makeDataRoot()
  const name = `ptrace-cli-${process.pid}`
  const rfs = makeRootfs()
  copyFileSync(tracer, join(rfs, 'tracer'))
  chmodSync(join(rfs, 'tracer'), 0o755)
  t.teardown(() => void tsc(root, ['rm', '-f', name]))
  t.is(tsc(root, ['run', '-d', '--network', 'none', '--name', name, '--security-opt', 'no-new-privileges', '--rootfs', rfs, '/tracer', '900']).code, 0)
  await sleep(200)
  const cli: string[] = []
  for (let i = 0; i < 20; i++) cli.push(tsc(root, ['exec', name, 'cat', '/proc/self/status']).stdout)

  t.deepEqual(
    seccompModes(raw).filter((m) => m !== '2'),
    [],
    'raw runtime execs ran without their seccomp filter',
  )
  t.deepEqual(
    seccompModes(cli).filter((m) => m !== '2'),
    [],
    'CLI execs ran without their seccomp filter',
  )
  const traced = readFileSync(join(bundle, 'create.out'), 'utf8') + tsc(root, ['logs', name]).stdout
  t.notRegex(traced, /seized-before-exec/, 'the tracer caught an exec while it was still the runtime')
})
