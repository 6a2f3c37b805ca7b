// Limits set with docker's flags are enforced by the kernel (measured, not only written to a
// file), reported (OOM), and the cgroup is gone after every run. Runs on the host (cgroup v1 +
// hybrid) and in the pure cgroup v2 guest (shared/tools/vm-run).
import test from 'ava'
import { rmdirSync } from 'node:fs'
import { makeDataRoot, tsc, type Result } from './helpers/cli'
import { cgroupsNamed } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'
import { childCgroups, premadeParent } from './helpers/cgroup-parent'

const rootfs = makeRootfs()

interface RunJson {
  id: string
  exitCode: number
  oomKilled: boolean
}

/** `tsc-box run --rm --json FLAGS --rootfs R CMD...`: the result line and the whole output. */
function run(t: import('ava').ExecutionContext, flags: string[], cmd: string[]): { r: Result; out: RunJson } {
  const r = tsc(makeDataRoot(), ['run', '--rm', '--json', ...flags, '--rootfs', rootfs, ...cmd])
  const lines = r.stdout.trim().split('\n')
  let out: RunJson
  try {
    out = JSON.parse(lines[lines.length - 1]) as RunJson
  } catch {
    throw new Error(`no JSON result line (exit ${r.code}); stdout: ${r.stdout}\nstderr: ${r.stderr}`)
  }
  t.deepEqual(cgroupsNamed(out.id), [], 'a cgroup named after the container is left')
  return { r, out }
}

test('memory: past --memory 32m the app is OOM killed, exits 137, and tsc-box says so', (t) => {
  const { r, out } = run(t, ['--memory', '32m'], ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=256M', 'count=1'])
  t.is(r.code, 137, r.stderr)
  t.is(out.exitCode, 137)
  t.true(out.oomKilled, r.stderr)
  t.regex(r.stderr, /out of memory|OOM/i)
})

test('memory: within --memory 32m the same program runs and is not reported as OOM', (t) => {
  const { r, out } = run(t, ['--memory', '32m'], ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=4M', 'count=4'])
  t.is(r.code, 0, r.stderr)
  t.false(out.oomKilled)
  t.notRegex(r.stderr, /out of memory/i)
})

// 30 background sleeps: the shell's forks fail with EAGAIN once 10 tasks exist.
const forkLoop = ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do sleep 5 & i=$((i+1)); done; echo started $i']

test('pids: with --pids-limit 10 a fork loop gets EAGAIN and the container still exits', (t) => {
  const started = Date.now()
  const { r } = run(t, ['--pids-limit', '10'], forkLoop)
  t.regex(r.stderr, /Resource temporarily unavailable|can't fork/, `stdout: ${r.stdout}`)
  t.notRegex(r.stdout, /started 30/)
  t.true(Date.now() - started < 30_000)
  t.not(r.code, 125, r.stderr)
})

test('pids: without a limit the same loop starts all 30', (t) => {
  const { r } = run(t, [], forkLoop)
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /started 30/)
})

/** real and user+sys seconds from busybox `time -p` output. */
function times(stderr: string): { real: number; cpu: number } {
  const [real, user, sys] = ['real', 'user', 'sys'].map((k) => new RegExp(`${k}\\s+([\\d.]+)`).exec(stderr))
  if (!real || !user || !sys) throw new Error(`no time output in: ${stderr}`)
  return { real: Number(real[1]), cpu: Number(user[1]) + Number(sys[1]) }
}

test('cpu: with --cpus 0.5 a 2-second busy loop gets about 1 second of CPU', (t) => {
  // Two spinning loops want 4 s of CPU in 2 s: the quota, not the host's other load, is what
  // keeps them near 1 s (one loop alone can fall short of 1 s on a busy two-core host). The
  // share is judged against the elapsed time, which an emulated guest stretches past 2 s.
  const loop = "timeout 2 sh -c 'while :; do :; done'"
  const { r } = run(t, ['--cpus', '0.5'], ['time', '-p', 'sh', '-c', `${loop} & ${loop} & wait`])
  const { real, cpu } = times(r.stderr)
  const share = cpu / real
  t.log(`CPU used at --cpus 0.5: ${cpu.toFixed(2)} s in ${real.toFixed(2)} s (${share.toFixed(2)} CPUs)`)
  t.true(share >= 0.3 && share <= 0.65, `expected about 0.5 CPUs, got ${share.toFixed(2)}; stderr: ${r.stderr}`)
})

test('cpuset: --cpuset-cpus 0 is what the app sees in Cpus_allowed_list', (t) => {
  const { r } = run(t, ['--cpuset-cpus', '0'], ['grep', 'Cpus_allowed_list', '/proc/self/status'])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^Cpus_allowed_list:\s+0$/m)
})

test('the container sees its own cgroup as the root, read-only', (t) => {
  const { r } = run(t, ['--memory', '64m'], ['sh', '-c', 'cat /proc/self/cgroup; mkdir /sys/fs/cgroup/sub 2>&1'])
  t.is(r.code, 1, r.stderr)
  // Every hierarchy line ends in "/": the cgroup namespace hides the host's path.
  for (const line of r.stdout.split('\n').filter((l) => /^\d+:/.test(l))) t.regex(line, /:\/$/, r.stdout)
  // A writable cgroupfs would let root in the container make a sub-cgroup.
  t.regex(r.stdout, /Read-only file system/)
})

test('a run that fails after its cgroup was made (command not found) removes it, with the parent made for it; a parent made before stays', (t) => {
  const parent = `tsc-box-fail-${process.pid}`
  const r = tsc(makeDataRoot(), ['run', '--rm', '--cgroup-parent', `/${parent}`, '--memory', '32m', '--pids-limit', '10', '--rootfs', rootfs, '/no/such/cmd'])
  const left = cgroupsNamed(parent)
  t.teardown(() => {
    for (const d of left.reverse()) rmdirSync(d)
  })
  // Command not found is found at exec, after the cgroup was made and joined.
  t.is(r.code, 127, r.stderr)
  t.regex(r.stderr, /\/no\/such\/cmd/)
  t.deepEqual(left, [])
  const made = premadeParent(t, `${parent}-pre`)
  const r2 = tsc(makeDataRoot(), [
    'run',
    '--rm',
    '--cgroup-parent',
    `/${parent}-pre`,
    '--memory',
    '32m',
    '--pids-limit',
    '10',
    '--rootfs',
    rootfs,
    '/no/such/cmd',
  ])
  t.is(r2.code, 127, r2.stderr)
  for (const d of made) t.deepEqual(childCgroups(d), [], d)
})
