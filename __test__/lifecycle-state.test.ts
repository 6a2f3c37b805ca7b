// State that survives anything: parallel commands never corrupt it, SIGKILL of any tsc-box or
// runtime process (the monitor included) at any point leaves state that `ps` reports truthfully
// and that `rm -f`/`container prune` cleans, the run directory can vanish (a reboot), and an
// exit status is never lost.
import test from 'ava'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { BIN, makeDataRoot, RUNTIME, tsc } from './helpers/cli'
import { cgroupsNamed } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'
import { leftovers, processesNamed, ps, sleep, stateOf, tscAsync, until, type PsEntry } from './lifecycle-helpers'

const rootfs = makeRootfs()

function detached(root: string, ...args: string[]): string {
  const r = tsc(root, ['run', '-d', '--rootfs', rootfs, ...args])
  if (r.code !== 0) throw new Error(`run -d failed (${r.code}): ${r.stderr}`)
  return r.stdout.trim()
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\S+ \(.*\) [ZX]/.test(stat)
  } catch {
    return false
  }
}

/**
 * What a process killed a moment ago (its parent's death signal, sent by the kernel when the
 * monitor or runtime was SIGKILLed) still shows until the scheduler runs it: a short wait
 * for it, never longer than this, so that a loaded host does not read a dying one as alive.
 */
const DYING_MS = 3000

function lingering(id: string): number[] {
  const end = Date.now() + DYING_MS
  let left = processesNamed(id).filter(alive)
  while (left.length > 0 && Date.now() < end) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
    left = processesNamed(id).filter(alive)
  }
  return left
}

/**
 * What ps says matches the kernel: running containers have a live init, others none. A `run
 * -d` killed just after it handed the container to its monitor (which outlives it, detached)
 * is listed created until the monitor records the start: one whose processes stay is asked
 * again, and must by then be running.
 */
function truthful(t: import('ava').ExecutionContext, root: string, entries: PsEntry[]) {
  for (const e of entries) {
    if (e.state === 'running' || e.state === 'paused') t.true(alive(e.pid), `${e.id.slice(0, 12)} listed ${e.state} but pid ${e.pid} is dead`)
    else if (lingering(e.id).length > 0) {
      const now = stateOf(root, e.id)
      t.true(now?.state === 'running' && alive(now.pid), `${e.id.slice(0, 12)} listed ${e.state} (now ${now?.state}) but has processes`)
    }
  }
}

function monitorOf(root: string, id: string): number {
  return JSON.parse(readFileSync(join(root, 'containers', id, 'status.json'), 'utf8')).monitorPid as number
}

test('20 parallel rm and 20 parallel ps while containers start and stop', async (t) => {
  t.timeout(300_000)
  const root = makeDataRoot()
  const victims: string[] = []
  for (let i = 0; i < 20; i++) victims.push(detached(root, 'sleep', '1000'))
  const churn = Array.from({ length: 5 }, (_, i) => tscAsync(root, ['run', '-d', '--name', `new${i}`, '--rootfs', rootfs, 'sleep', '1000']))
  const short = Array.from({ length: 5 }, () => tscAsync(root, ['run', '-d', '--rootfs', rootfs, 'sh', '-c', 'sleep 0.2; exit 3']))
  const rms = victims.map((id) => tscAsync(root, ['rm', '-f', id]))
  const pss = Array.from({ length: 20 }, () => tscAsync(root, ['ps', '-a', '--json']))
  // The same container removed 20 times at once: one wins, the others find nothing.
  const same = detached(root, 'sleep', '1000')
  const sameRms = Array.from({ length: 20 }, () => tscAsync(root, ['rm', '-f', '--json', same]))
  const [rmResults, psResults, sameResults, churnResults, shortResults] = await Promise.all([
    Promise.all(rms),
    Promise.all(pss),
    Promise.all(sameRms),
    Promise.all(churn),
    Promise.all(short),
  ])
  for (const r of rmResults) t.is(r.code, 0, r.stderr)
  for (const r of psResults) {
    t.is(r.code, 0, r.stderr)
    t.notThrows(() => JSON.parse(r.stdout) as PsEntry[])
  }
  t.true(sameResults.some((r) => r.code === 0))
  for (const r of sameResults) {
    t.true(r.code === 0 || (r.code === 1 && JSON.parse(r.stdout).error.code === 'no_such_container'), `${r.code}: ${r.stdout} ${r.stderr}`)
  }
  for (const r of [...churnResults, ...shortResults]) t.is(r.code, 0, r.stderr)
  const shortIds = shortResults.map((r) => r.stdout.trim())
  for (const id of shortIds) t.is(tsc(root, ['wait', id]).stdout.trim(), '3')
  const now = ps(root)
  truthful(t, root, now)
  t.deepEqual(
    now
      .filter((e) => e.state === 'running')
      .map((e) => e.name)
      .sort(),
    ['new0', 'new1', 'new2', 'new3', 'new4'],
  )
  t.is(now.length, 10)
  t.is(tsc(root, ['rm', '-f', ...now.map((e) => e.id)]).code, 0)
  t.deepEqual(leftovers(root, [...victims, same, ...now.map((e) => e.id)]), [])
})

test('SIGKILL of the monitor: the container dies with it, ps says exited (137), rm -f cleans', async (t) => {
  const root = makeDataRoot()
  const id = detached(root, 'sleep', '1000')
  const pid = stateOf(root, id)!.pid
  process.kill(monitorOf(root, id), 'SIGKILL')
  await until('the init to die with its monitor', () => !alive(pid))
  const e = stateOf(root, id)!
  t.is(e.state, 'exited')
  t.is(e.exitCode, 137)
  truthful(t, root, ps(root))
  // Start works again after a dead monitor (its leftovers are removed first).
  t.is(tsc(root, ['start', id]).code, 0)
  t.is(stateOf(root, id)!.state, 'running')
  process.kill(monitorOf(root, id), 'SIGKILL')
  await until('exited', () => stateOf(root, id)?.state === 'exited')
  t.is(tsc(root, ['rm', '-f', id]).code, 0)
  t.deepEqual(leftovers(root, [id]), [])
})

/** Starts `tsc-box ARGS` in its own process group and SIGKILLs the group after `ms`. */
async function killedAfter(root: string, args: string[], ms: number): Promise<void> {
  const child = spawn(BIN, args, { env: { ...process.env, TSC_BOX_ROOT: root }, stdio: 'ignore', detached: true })
  const done = new Promise((r) => child.on('exit', r))
  await sleep(ms)
  try {
    process.kill(-child.pid!, 'SIGKILL')
  } catch {
    // already done
  }
  await done
}

test('SIGKILL of tsc-box and the runtime at any point of run -d, stop and rm: truthful ps, full cleanup', async (t) => {
  t.timeout(300_000)
  const root = makeDataRoot()
  // Delays spread over the whole of a `run -d` (~0.2-0.5 s here), from before the record
  // exists to after the monitor took over.
  for (const ms of [0, 30, 60, 90, 120, 150, 180, 210, 250, 300, 400, 600]) {
    await killedAfter(root, ['run', '-d', '--rootfs', rootfs, 'sleep', '1000'], ms)
    truthful(t, root, ps(root))
  }
  const running = ps(root).filter((e) => e.state === 'running')
  for (const [i, e] of running.entries()) {
    await killedAfter(root, [i % 2 === 0 ? 'stop' : 'rm', ...(i % 2 === 0 ? [] : ['-f']), e.id], 50 + 40 * i)
    truthful(t, root, ps(root))
  }
  const all = ps(root)
  truthful(t, root, all)
  const allIds = readdirSync(join(root, 'containers'))
  if (all.length > 0) t.is(tsc(root, ['rm', '-f', ...all.map((e) => e.id)]).code, 0)
  // A `run -d` killed before its directory was in place, or an `rm -f` killed after it was
  // renamed away, left a hidden directory that names no live process: prune removes it at
  // once (no grace period: the creator's pid and start time say it is gone).
  const prune = JSON.parse(tsc(root, ['container', 'prune', '-f', '--json']).stdout)
  t.true(Array.isArray(prune.removed))
  t.deepEqual(leftovers(root, allIds), [])
})

test('a container directory a killed run left before its record is pruned', async (t) => {
  const root = makeDataRoot()
  await killedAfter(root, ['run', '-d', '--rootfs', rootfs, 'sleep', '1000'], 0)
  for (const ms of [40, 60, 80, 100]) await killedAfter(root, ['run', '-d', '--rootfs', rootfs, 'sleep', '1000'], ms)
  const ids = existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')) : []
  const r = tsc(root, ['container', 'prune', '--json'])
  t.is(r.code, 0)
  const left = ps(root)
  if (left.length > 0) tsc(root, ['rm', '-f', ...left.map((e) => e.id)])
  t.is(tsc(root, ['container', 'prune', '-f']).code, 0)
  t.deepEqual(leftovers(root, ids), [])
  t.deepEqual(existsSync(join(root, 'names')) ? readdirSync(join(root, 'names')) : [], [])
})

test('the run directory gone (a reboot) is reconciled at the next command', async (t) => {
  const root = makeDataRoot()
  const done = detached(root, 'sh', '-c', 'exit 4')
  const live = detached(root, 'sleep', '1000')
  t.is(tsc(root, ['wait', done]).stdout.trim(), '4')
  const pid = stateOf(root, live)!.pid
  // A reboot ends every process and empties /run; the runtime's cgroups go with the boot.
  const { resolvePaths, currentPathEnv } = await import('../src/paths')
  const runDir = resolvePaths(root, currentPathEnv()).runDir
  process.kill(monitorOf(root, live), 'SIGKILL')
  await until('the init to die', () => !alive(pid))
  tsc(root, ['rm', '-f', live]) // its cgroup, as the reboot would
  const again = detached(root, '--name', 'after', 'sleep', '1000')
  process.kill(monitorOf(root, again), 'SIGKILL')
  await until('exited', () => stateOf(root, again)?.state === 'exited')
  // What the boot takes away: the cgroup (here by the runtime), then all of /run.
  const { spawnSync } = await import('node:child_process')
  spawnSync(RUNTIME, ['--root', join(runDir, 'runtime'), 'delete', '--force', again])
  t.deepEqual(cgroupsNamed(again), [])
  rmSync(runDir, { recursive: true, force: true })
  const entries = ps(root)
  truthful(t, root, entries)
  t.is(entries.find((e) => e.id === done)!.exitCode, 4, 'the exit status survived')
  t.is(entries.find((e) => e.id === again)!.state, 'exited')
  t.is(tsc(root, ['start', done]).code, 0)
  t.is(tsc(root, ['wait', done]).stdout.trim(), '4')
  t.is(tsc(root, ['rm', '-f', done, again]).code, 0)
  t.deepEqual(leftovers(root, [done, live, again]), [])
})

test('an exit status is never lost, even when nobody waits', async (t) => {
  const root = makeDataRoot()
  const ids = [0, 1, 2, 3, 4].map((n) => detached(root, 'sh', '-c', `exit ${n}`))
  await until('all exited', () => ps(root).every((e) => e.state === 'exited'))
  await sleep(200)
  for (const [n, id] of ids.entries()) t.is(stateOf(root, id)!.exitCode, n)
  t.is(tsc(root, ['rm', ...ids]).code, 0)
  t.deepEqual(leftovers(root, ids), [])
})
