// tsc-box-runtime's lifecycle commands at the OCI level (this file runs in the pure cgroup v2
// lane too): `monitor` runs a detached container as its reaper and logger, `exec` joins a
// running container (namespaces, user namespace first, cgroup, capabilities, no_new_privs,
// seccomp, user), `pause`/`resume` freeze it, `ps` lists its pids.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LinuxSeccomp } from '../src/oci/spec'
import { cgroupsNamed, mountsUnder } from './helpers/leaks'
import { makeBundle, runtime, setArgs, stateDir, TSC_RUNTIME, type Config } from './helpers/bundle'

let seq = 0
const newId = (p: string) => `${p}-${process.pid}-${++seq}`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Detached {
  id: string
  state: string
  status: string
  log: string
  bundle: string
}

/** The monitor's status file (crates/containers/src/status.rs, MonitorStatus). */
interface MonitorStatus {
  status: 'running' | 'restarting' | 'exited'
  pid: number
  monitorPid: number
  monitorStartTime: number
  startedAt: string
  finishedAt: string | null
  exitCode: number | null
  oomKilled: boolean
  restartCount: number
}

function readStatus(d: Detached): MonitorStatus {
  return JSON.parse(readFileSync(d.status, 'utf8')) as MonitorStatus
}

function startDetached(edit: (c: Config) => void, restart = 'no'): Detached {
  const bundle = makeBundle(edit)
  const files = mkdtempSync(join(tmpdir(), 'tsc-box-mon-'))
  const d = { id: newId('mon'), state: stateDir(), status: join(files, 'status.json'), log: join(files, 'container.log'), bundle }
  const r = runtime(TSC_RUNTIME, d.state, ['helper', 'monitor', '-b', bundle, '--status-file', d.status, '--log-file', d.log, '--restart', restart, d.id])
  if (r.code !== 0) throw new Error(`monitor failed: ${r.stderr}`)
  return d
}

async function exited(d: Detached, ms = 30_000): Promise<MonitorStatus> {
  const end = Date.now() + ms
  for (;;) {
    const st = readStatus(d)
    if (st.status === 'exited') return st
    if (Date.now() > end) throw new Error(`still ${st.status}`)
    await sleep(50)
  }
}

function noLeft(t: import('ava').ExecutionContext, d: Detached) {
  t.false(existsSync(join(d.state, d.id)), 'runtime state left')
  t.deepEqual(cgroupsNamed(d.id), [])
  t.deepEqual(mountsUnder(join(d.bundle, 'rootfs')), [])
}

test('monitor: returns once the container runs, logs both streams apart, records the exit status', async (t) => {
  const d = startDetached(setArgs('sh', '-c', 'echo out; echo err >&2; sleep 0.3; exit 6'))
  const st = readStatus(d)
  t.is(st.status, 'running')
  t.true(st.pid > 0 && st.monitorPid > 0)
  // The monitor is the init's parent, in its own session, and not our child.
  const stat = readFileSync(`/proc/${st.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  t.is(Number(stat[1]), st.monitorPid)
  const done = await exited(d)
  t.is(done.exitCode, 6)
  t.false(done.oomKilled)
  const lines = readFileSync(d.log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ').slice(1).join(' '))
  t.deepEqual(lines.sort(), ['stderr F err', 'stdout F out'])
  noLeft(t, d)
})

test('monitor: a bad bundle fails the command with the runtime error and leaves nothing', (t) => {
  const bundle = makeBundle(setArgs('no-such-command'))
  const files = mkdtempSync(join(tmpdir(), 'tsc-box-mon-'))
  const state = stateDir()
  const id = newId('bad')
  const r = runtime(TSC_RUNTIME, state, ['helper', 'monitor', '-b', bundle, '--status-file', join(files, 's.json'), '--log-file', join(files, 'l'), id])
  t.is(r.code, 127)
  t.regex(r.stderr, /no-such-command/)
  t.false(existsSync(join(state, id)))
  t.false(existsSync(join(files, 's.json')))
  t.deepEqual(cgroupsNamed(id), [])
  const policy = runtime(TSC_RUNTIME, state, [
    'helper',
    'monitor',
    '-b',
    bundle,
    '--status-file',
    join(files, 's.json'),
    '--log-file',
    join(files, 'l'),
    '--restart',
    'maybe',
    id,
  ])
  t.is(policy.code, 1)
  t.regex(policy.stderr, /restart policy/)
})

test('monitor: --restart on-failure:N restarts in place, then records the last status', async (t) => {
  const d = startDetached(setArgs('sh', '-c', 'echo run; exit 2'), 'on-failure:2')
  const st = await exited(d)
  t.is(st.exitCode, 2)
  t.is(st.restartCount, 2)
  t.is(readFileSync(d.log, 'utf8').match(/stdout F run/g)?.length, 3)
  noLeft(t, d)
})

test('monitor: killing the monitor ends the container and its state is still deletable', async (t) => {
  const d = startDetached(setArgs('sleep', '1000'))
  const st = readStatus(d)
  process.kill(st.monitorPid, 'SIGKILL')
  for (let i = 0; i < 200 && existsSync(`/proc/${st.pid}/stat`) && !/\) [ZX] /.test(readFileSync(`/proc/${st.pid}/stat`, 'utf8')); i++) await sleep(25)
  t.regex(JSON.parse(runtime(TSC_RUNTIME, d.state, ['state', d.id]).stdout).status, /stopped/)
  t.is(runtime(TSC_RUNTIME, d.state, ['delete', d.id]).code, 0)
  noLeft(t, d)
})

test('monitor: its resident memory stays under 1 MiB while the container idles', async (t) => {
  const d = startDetached(setArgs('sleep', '1000'))
  await sleep(500)
  const pid = readStatus(d).monitorPid
  const rss = Number(/^Rss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))![1])
  t.log(`monitor RSS ${rss} kB`)
  t.true(rss <= 1024, `monitor RSS ${rss} kB`)
  runtime(TSC_RUNTIME, d.state, ['kill', d.id, 'KILL'])
  await exited(d)
  noLeft(t, d)
})

const seccomp: LinuxSeccomp = {
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
}

test('exec joins every namespace and the cgroup, with the container caps, no_new_privs, seccomp and user', async (t) => {
  const d = startDetached((c) => {
    setArgs('sleep', '1000')(c)
    c.hostname = 'in-ctr'
    c.process.noNewPrivileges = true
    c.process.user = { uid: 1000, gid: 1000 }
    c.linux.seccomp = seccomp
  })
  const init = readStatus(d).pid
  const r = runtime(TSC_RUNTIME, d.state, [
    'exec',
    d.id,
    'sh',
    '-c',
    'hostname; id -u; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; mkdir /tmp/x 2>&1; echo mkdir=$?',
  ])
  t.is(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  t.is(lines[0], 'in-ctr')
  t.is(lines[1], '1000')
  const initStatus = readFileSync(`/proc/${init}/status`, 'utf8')
  t.is(lines[2], /^CapEff:.*$/m.exec(initStatus)![0])
  t.regex(lines[3], /NoNewPrivs:\s+1/)
  t.regex(lines[4], /Seccomp:\s+2/)
  t.regex(r.stdout, /mkdir=1/)
  // Same namespaces as the init, and inside its cgroup.
  const ns = (pid: number | string, n: string) => execFileSync('readlink', [`/proc/${pid}/ns/${n}`], { encoding: 'utf8' }).trim()
  // Detached: the process keeps the runtime's stdio, so no pipes (they would stay open).
  execFileSync(TSC_RUNTIME, ['--root', d.state, 'exec', '-d', '--pid-file', join(d.bundle, 'exec.pid'), d.id, 'sleep', '1000'], { stdio: 'ignore' })
  const pid = readFileSync(join(d.bundle, 'exec.pid'), 'utf8').trim()
  for (const n of ['mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup']) t.is(ns(pid, n), ns(init, n), n)
  t.is(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync(`/proc/${init}/cgroup`, 'utf8'))
  const listed = JSON.parse(runtime(TSC_RUNTIME, d.state, ['ps', '--format', 'json', d.id]).stdout) as number[]
  t.true(listed.includes(Number(pid)) && listed.includes(init))
  runtime(TSC_RUNTIME, d.state, ['kill', d.id, 'KILL'])
  await exited(d)
  t.false(existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'), 'exec process outlived its container')
  noLeft(t, d)
})

test('exec into a user namespace joins it first', async (t) => {
  const d = startDetached((c) => {
    setArgs('sleep', '1000')(c)
    c.linux.namespaces.push({ type: 'user' })
    // A cgroup v1 hierarchy cannot be mounted from a user namespace.
    c.mounts = c.mounts.filter((m: { type?: string }) => m.type !== 'cgroup')
    c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }]
    c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }]
  })
  const init = readStatus(d).pid
  const r = runtime(TSC_RUNTIME, d.state, ['exec', d.id, 'cat', '/proc/self/uid_map'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, readFileSync(`/proc/${init}/uid_map`, 'utf8'))
  runtime(TSC_RUNTIME, d.state, ['kill', d.id, 'KILL'])
  await exited(d)
  noLeft(t, d)
})

test("exec: the process's exit status, runc's 255 when exec itself fails, --env, --cwd, --user, --process", async (t) => {
  const d = startDetached(setArgs('sleep', '1000'))
  t.is(runtime(TSC_RUNTIME, d.state, ['exec', d.id, 'sh', '-c', 'exit 9']).code, 9)
  // As runc's exec (engines map the message's phrase to 127/126, not the status).
  t.is(runtime(TSC_RUNTIME, d.state, ['exec', d.id, 'nope']).code, 255)
  t.is(runtime(TSC_RUNTIME, d.state, ['exec', d.id, '/etc/passwd']).code, 255)
  const r = runtime(TSC_RUNTIME, d.state, ['exec', '--env', 'A=b', '--cwd', '/tmp', '--user', '1000:1000', d.id, 'sh', '-c', 'echo $A; pwd; id -u; id -g'])
  t.is(r.stdout, 'b\n/tmp\n1000\n1000\n')
  const proc = join(d.bundle, 'process.json')
  require('node:fs').writeFileSync(
    proc,
    JSON.stringify({ args: ['sh', '-c', 'echo from-process; exit 4'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] }),
  )
  const p = runtime(TSC_RUNTIME, d.state, ['exec', '--process', proc, d.id])
  t.is(p.code, 4)
  t.is(p.stdout, 'from-process\n')
  t.is(runtime(TSC_RUNTIME, d.state, ['exec', 'no-such-container', 'true']).code, 255)
  runtime(TSC_RUNTIME, d.state, ['kill', d.id, 'KILL'])
  await exited(d)
  t.is(runtime(TSC_RUNTIME, d.state, ['exec', d.id, 'true']).code, 255, 'no exec into a stopped container')
  noLeft(t, d)
})

test('pause freezes and resume thaws the container', async (t) => {
  const d = startDetached(setArgs('sh', '-c', 'while true; do echo tick; sleep 0.05; done'))
  await sleep(300)
  t.is(runtime(TSC_RUNTIME, d.state, ['pause', d.id]).code, 0)
  await sleep(100)
  const frozen = readFileSync(d.log, 'utf8').length
  await sleep(400)
  t.is(readFileSync(d.log, 'utf8').length, frozen)
  t.is(runtime(TSC_RUNTIME, d.state, ['resume', d.id]).code, 0)
  await sleep(400)
  t.true(readFileSync(d.log, 'utf8').length > frozen)
  runtime(TSC_RUNTIME, d.state, ['kill', d.id, 'KILL'])
  t.is((await exited(d)).exitCode, 137)
  noLeft(t, d)
})
