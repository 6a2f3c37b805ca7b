// SIGKILL of `tsc-box run` at every step of creating (and, with --rm, removing) a container
// leaves nothing that `ps -a` does not list: every container directory, claimed name, overlay
// directory and mount belongs to a container `ps -a` shows, `rm -f NAME` (or ID) then removes
// all of it, `container prune` the rest, the name is free again and the image can be removed.
// A `run` still creating its container is left alone by a concurrent `prune` and waited for by
// `rm`. An exit status nobody recorded reads "unknown" and null, never 0.
//
// The steps are found, not guessed: a first run under strace lists the calls that change the
// data root (mkdir, rename, link, unlink, mount, umount2, openat for writing) with their rank
// among the calls of the same name in their thread, and each later run is killed by strace
// (`--inject=SYSCALL:signal=SIGKILL:when=N`) as it enters one of them. The product has no
// hook for this. A sweep of delays after the launch covers the time the runtime holds it.
import test, { type ExecutionContext } from 'ava'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, tsc } from './helpers/cli'
import { mountsUnder } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'
import { makeArchive } from './image-fixtures'
import { leftovers, ps, sleep, stateOf, tscAsync, until, type PsEntry } from './lifecycle-helpers'
import { serialIf } from './helpers/conditional'

const STRACE = ['/usr/bin/strace', '/bin/strace'].find((p) => existsSync(p))
const withStrace = serialIf(STRACE !== undefined, 'strace is not installed')
const NAME = 'cx'
const IMG = 'localhost/crash:1'

const rootfs = makeRootfs()
const archive = makeArchive({ dir: rootfs, name: IMG, config: { Cmd: ['sleep', '100'] } })

function rootWithImage(): string {
  const root = makeDataRoot()
  const r = tsc(root, ['load', '-i', archive])
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`)
  return root
}

const SYSCALLS = [
  'mkdir',
  'mkdirat',
  'rename',
  'renameat',
  'renameat2',
  'link',
  'linkat',
  'symlink',
  'unlink',
  'unlinkat',
  'rmdir',
  'mount',
  'umount2',
  'openat',
]

interface Step {
  syscall: string
  /** Rank among the calls of this syscall in its thread (strace counts per thread). */
  nth: number
  /** The traced line, for messages. */
  line: string
}

function runDirOf(root: string): string {
  const { resolvePaths, currentPathEnv } = require('../src/paths') as typeof import('../src/paths')
  return resolvePaths(root, currentPathEnv()).runDir
}

/**
 * What strace runs: `run` under Node, followed until it executes the runtime (strace lets go
 * of the runtime's processes: they are not the CLI under test); `rm` as a user's shell runs
 * it (bin/run.js executes the runtime's native front door, which does the whole removal).
 */
function traced(args: string[]): string[] {
  if (args[0] === 'rm') return ['-f', BIN, ...args]
  return ['-f', '--detach-on=execve', process.execPath, '--', BIN, ...args]
}

/** The calls of `tsc-box ARGS` that change the store (or the run directory, or cgroups). */
function traceSteps(root: string, args: string[]): Step[] {
  const out = join(mkdtempSync(join(tmpdir(), 'tsc-box-trace-')), 'trace')
  const cmd = traced(args)
  const r = spawnSync(STRACE!, [cmd[0], '-qq', '-s', '4096', '-o', out, '-e', `trace=${SYSCALLS.join(',')}`, ...cmd.slice(1)], {
    env: { ...process.env, TSC_BOX_ROOT: root },
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (r.status !== 0) throw new Error(`traced run failed (${r.status}): ${r.stderr}`)
  const runDir = runDirOf(root)
  const counts = new Map<string, number>()
  const steps: Step[] = []
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const m = /^(\d+)\s+(\w+)\((.*)$/.exec(line)
    if (!m || !SYSCALLS.includes(m[2])) continue
    const key = `${m[1]} ${m[2]}`
    const nth = (counts.get(key) ?? 0) + 1
    counts.set(key, nth)
    const args = m[3]
    if (!args.includes(root) && !args.includes(runDir) && !args.includes('/sys/fs/cgroup') && m[2] !== 'mount' && m[2] !== 'umount2') continue
    // Reads change nothing: only opens that create or write count.
    if (m[2] === 'openat' && !/O_CREAT|O_WRONLY|O_RDWR|O_TRUNC/.test(args)) continue
    steps.push({ syscall: m[2], nth, line: line.slice(0, 200) })
  }
  rmSync(out, { force: true })
  return steps
}

/** `tsc-box ARGS`, SIGKILLed by strace as it enters `step`; whether the kill happened. */
function killedAt(root: string, args: string[], step: Step): boolean {
  const cmd = traced(args)
  const r = spawnSync(
    STRACE!,
    [cmd[0], '-qq', '-o', '/dev/null', '-e', `trace=${step.syscall}`, '-e', `inject=${step.syscall}:signal=SIGKILL:when=${step.nth}`, ...cmd.slice(1)],
    { env: { ...process.env, TSC_BOX_ROOT: root }, encoding: 'utf8', timeout: 60_000 },
  )
  return r.signal === 'SIGKILL' || r.status === 137
}

function entries(dir: string, hidden = true): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((e) => hidden || !e.startsWith('.')) : []
}

function recordOf(root: string, id: string): { rootfs: string; name: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(root, 'containers', id, 'record.json'), 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * Everything of a container on disk belongs to one `ps -a` lists: its directory, the name it
 * holds, its overlay directory and the overlay's mount. Returns what ps lists.
 */
function everythingListed(t: ExecutionContext, root: string, where: string): PsEntry[] {
  const listed = ps(root)
  const ids = new Set(listed.map((e) => e.id))
  for (const dir of entries(join(root, 'containers'), false)) t.true(ids.has(dir), `${where}: container directory ${dir.slice(0, 12)} is not listed by ps -a`)
  for (const name of entries(join(root, 'names'))) {
    const holder = readFileSync(join(root, 'names', name), 'utf8').trim()
    t.true(ids.has(holder), `${where}: name ${name} is held by ${holder.slice(0, 12)}, which ps -a does not list`)
  }
  const rootfsOf = [...ids].map((id) => recordOf(root, id)?.rootfs ?? '')
  for (const key of entries(join(root, 'overlay'))) {
    const dir = join(root, 'overlay', key)
    t.true(
      rootfsOf.some((r) => r.startsWith(`${dir}/`)),
      `${where}: overlay ${key} (${entries(dir).join(',')}) belongs to no container ps -a lists`,
    )
  }
  for (const m of mountsUnder(root))
    t.true(
      rootfsOf.some((r) => m.startsWith(r.replace(/\/merged$/, '/'))),
      `${where}: mount ${m} belongs to no listed container`,
    )
  return listed
}

/** Nothing is left of any container (processes and cgroups of `ids`), hidden directories included when `all`. */
function nothingLeft(t: ExecutionContext, root: string, where: string, all: boolean, ids: string[] = []): void {
  const left = leftovers(root, ids).filter((l) => all || !/^container dir \./.test(l))
  t.deepEqual(left, [], `${where}: left behind`)
  t.deepEqual(entries(join(root, 'names')), [], `${where}: names left`)
  t.deepEqual(entries(join(root, 'overlay')), [], `${where}: overlay directories left`)
  t.deepEqual(entries(join(root, 'userns')), [], `${where}: userns claims left`)
}

/** After a kill: what exists is listed; rm (or prune) removes it whole; the name is free again. */
function cleanAfterKill(t: ExecutionContext, root: string, where: string, usePrune: boolean, runArgs: string[], runAgain = true): void {
  const listed = everythingListed(t, root, where)
  // Every container there is, listed or hidden (a staging or removal directory), for the
  // process and cgroup checks.
  const ids = entries(join(root, 'containers')).map((e) => e.replace(/^\.new-\d+-\d+-/, '').replace(/^\.gone-/, ''))
  const mine = listed.filter((e) => e.name === NAME)
  const held = existsSync(join(root, 'names', NAME))
  if (usePrune && mine.every((e) => e.state !== 'running')) {
    const r = tsc(root, ['container', 'prune', '-f', '--json'])
    t.is(r.code, 0, `${where}: prune: ${r.stderr}`)
  } else if (held || mine.length > 0) {
    // By the name ps -a shows, claimed yet or not.
    const r = tsc(root, ['rm', '-f', NAME])
    t.is(r.code, 0, `${where}: rm -f ${NAME}: ${r.stdout}${r.stderr}`)
  } else {
    t.is(tsc(root, ['rm', '-f', NAME]).code, 1, `${where}: rm of a container that never existed`)
  }
  t.deepEqual(ps(root), [], `${where}: ps -a after the removal`)
  nothingLeft(t, root, where, false, ids)
  // A creation killed before its directory was in place (or a removal killed after it was
  // renamed away) left at most a hidden directory, which only prune removes (rm has no name
  // or id to find it by).
  const prune = tsc(root, ['container', 'prune', '-f'])
  t.is(prune.code, 0, `${where}: ${prune.stderr}`)
  nothingLeft(t, root, where, true, ids)
  if (!runAgain) return
  const again = tsc(
    root,
    runArgs.map((a) => (a === '--rm' ? '-d' : a)),
  )
  t.is(again.code, 0, `${where}: run --name ${NAME} afterwards: ${again.stderr}`)
  t.is(tsc(root, ['rm', '-f', NAME]).code, 0)
}

/**
 * The steps of `tsc-box ARGS` in `root`, found at load time (each test below must end within
 * ava's two minutes, so a sweep is cut into chunks). The same state before every run (the data
 * root's directories exist, nothing else): the calls of each run are those of the traced one.
 */
function discover(root: string, args: string[], setup?: string[]): Step[] {
  const prepare = () => {
    if (!setup) return
    const r = tsc(root, setup)
    if (r.code !== 0) throw new Error(`setup failed (${r.code}): ${r.stderr}`)
  }
  prepare()
  const warm = tsc(root, args)
  if (warm.code !== 0) throw new Error(`run failed (${warm.code}): ${warm.stderr}`)
  tsc(root, ['rm', '-f', NAME])
  prepare()
  const steps = traceSteps(root, args)
  tsc(root, ['rm', '-f', NAME])
  const left = leftovers(root, [])
  if (left.length > 0) throw new Error(`the traced run left ${left.join(', ')}`)
  if (steps.length < 8) throw new Error(`too few steps traced: ${steps.map((s) => s.line).join('\n')}`)
  return steps
}

const CHUNK = 8

/** `args` killed at each of its steps; `setup` (a `run`) first when the victim is an `rm`. */
function sweepTests(title: string, makeRoot: () => string, args: string[], image: boolean, setup?: string[]): void {
  if (!STRACE) {
    withStrace(title, () => {})
    return
  }
  const root = makeRoot()
  const steps = discover(root, args, setup)
  const runArgs = setup ?? args
  for (let from = 0; from < steps.length; from += CHUNK) {
    const chunk = steps.slice(from, from + CHUNK)
    const last = from + CHUNK >= steps.length
    test.serial(`${title}: steps ${from + 1}-${from + chunk.length} of ${steps.length}`, (t) => {
      t.timeout(300_000)
      let killed = 0
      for (const [k, step] of chunk.entries()) {
        const i = from + k
        const where = `${args[0]} killed entering ${step.syscall} #${step.nth}: ${step.line}`
        if (setup) t.is(tsc(root, setup).code, 0, `${where}: setup`)
        if (killedAt(root, args, step)) killed++
        // Prune instead of rm at every third step; the name used again at every fourth (that
        // names/ is empty is checked at each).
        cleanAfterKill(t, root, where, i % 3 === 2, runArgs, i % 4 === 0)
      }
      // The kills really happened (a run that was not killed proves nothing).
      t.true(killed >= chunk.length * 0.8, `only ${killed} of ${chunk.length} runs were killed at their step`)
      // Nothing of any container pins the image.
      if (last && image) t.is(tsc(root, ['rmi', IMG]).code, 0)
    })
  }
}

async function killedAfterMs(root: string, args: string[], ms: number): Promise<void> {
  const child = spawn(process.execPath, ['--', BIN, ...args], { env: { ...process.env, TSC_BOX_ROOT: root }, stdio: 'ignore' })
  const done = new Promise((r) => child.on('exit', r))
  await sleep(ms)
  child.kill('SIGKILL')
  await done
}

sweepTests(
  'run -d --rootfs killed at every step: ps -a lists it or nothing exists; rm/prune clean; the name is free',
  makeDataRoot,
  ['run', '-d', '--name', NAME, '--rootfs', rootfs, 'sleep', '100'],
  false,
)

sweepTests(
  'run -d IMAGE killed at every step: no overlay or mount outlives what ps -a lists; rmi works after',
  rootWithImage,
  ['run', '-d', '--name', NAME, IMG],
  true,
)

sweepTests(
  'foreground run --rm IMAGE killed at every step of creating and removing: all of it is found and cleaned',
  rootWithImage,
  ['run', '--rm', '--name', NAME, IMG, 'true'],
  true,
)

sweepTests(
  'rm -f of a running IMAGE container killed at every step: listed until its directory vanishes, finished by rm or prune',
  rootWithImage,
  ['rm', '-f', NAME],
  true,
  ['run', '-d', '--name', NAME, IMG],
)

for (const mode of ['-d', '--rm']) {
  for (const delays of [
    [20, 50, 80, 130],
    [200, 400, 800],
  ]) {
    test(`run ${mode} IMAGE killed after ${delays.join(', ')} ms: listed, removed whole, image removable`, async (t) => {
      t.timeout(300_000)
      const root = rootWithImage()
      const args = ['run', mode, '--name', NAME, IMG]
      for (const ms of delays) {
        await killedAfterMs(root, args, ms)
        cleanAfterKill(t, root, `${args.slice(0, 2).join(' ')} killed after ${ms} ms`, ms === 130 || ms === 400, args, ms === 800 || ms === 20)
      }
      t.is(tsc(root, ['rmi', IMG]).code, 0)
    })
  }
}

withStrace('a concurrent prune leaves a container being created alone; rm waits for its creation', async (t) => {
  t.timeout(120_000)
  const root = makeDataRoot()
  // Stopped (SIGSTOP) as it enters the name claim (the store's hard link, linkat): its
  // directory and "creating" record exist, its creator is alive, and it stays so until the test
  // lets it go on (SIGCONT).
  const child = spawn(
    STRACE!,
    [
      '-f',
      '--detach-on=execve',
      '-qq',
      '-o',
      '/dev/null',
      '-e',
      'trace=link,linkat',
      '-e',
      'inject=link,linkat:signal=SIGSTOP:when=1',
      process.execPath,
      '--',
      BIN,
      'run',
      '-d',
      '--name',
      NAME,
      '--rootfs',
      rootfs,
      'sleep',
      '100',
    ],
    {
      env: { ...process.env, TSC_BOX_ROOT: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const creating = await until('the record', () => ps(root).find((e) => e.state === 'created'), 10_000)
  t.is(creating.status, 'Created')
  const prune = JSON.parse(tsc(root, ['container', 'prune', '-f', '--json']).stdout)
  t.deepEqual(prune.removed, [], 'prune removed a container being created')
  const start = tsc(root, ['start', '--json', creating.id])
  t.is(start.code, 1)
  t.is(JSON.parse(start.stdout).error.code, 'container_creating')
  t.is(stateOf(root, creating.id)?.state, 'created', 'the stopped run is still creating it')
  // rm -f by id waits until the run is done (let go 1 s after the rm began), then removes
  // the running container.
  const creator = JSON.parse(readFileSync(join(root, 'containers', creating.id, 'record.json'), 'utf8')).creator.pid as number
  const rm = tscAsync(root, ['rm', '-f', creating.id])
  await sleep(1000)
  process.kill(creator, 'SIGCONT')
  const removed = await rm
  t.is(removed.code, 0, removed.stderr)
  t.is(await exited, 0, 'the run was disturbed')
  t.is(out.trim(), creating.id)
  nothingLeft(t, root, 'after rm', true)
})

test('a killed foreground run whose container then ended: Exited (unknown), exit code null, wait 255, rm without -f', async (t) => {
  const root = makeDataRoot()
  // It ends only once the test says so (a file in its root filesystem), after its run is gone.
  const go = `/tmp/go-fg-${process.pid}`
  const child = spawn(
    process.execPath,
    ['--', BIN, 'run', '--name', 'fg', '--rootfs', rootfs, 'sh', '-c', `while [ ! -e ${go} ]; do sleep 0.1; done; exit 3`],
    {
      env: { ...process.env, TSC_BOX_ROOT: root },
      stdio: 'ignore',
    },
  )
  await until('running', () => stateOf(root, 'fg')?.state === 'running')
  child.kill('SIGKILL')
  await new Promise((r) => child.on('exit', r))
  writeFileSync(join(rootfs, go), '')
  // The runtime outlives the CLI and ends with the container; nobody recorded the status.
  const e = await until('exited', () => (stateOf(root, 'fg')?.state === 'exited' ? stateOf(root, 'fg') : undefined), 60_000)
  t.is(e.exitCode, null)
  t.is(e.status, 'Exited (unknown)')
  const table = tsc(root, ['ps', '-a']).stdout
  t.regex(table, /Exited \(unknown\)/)
  const [doc] = JSON.parse(tsc(root, ['inspect', 'fg']).stdout)
  t.is(doc.State.Status, 'exited')
  t.is(doc.State.ExitCode, null)
  t.is(tsc(root, ['ps', '-a', '--filter', 'exited=0', '-q']).stdout.trim(), '')
  // wait answers at once with containerd's (and docker's) status for an unknown exit, not 0.
  const w = tsc(root, ['wait', 'fg'])
  t.is(w.code, 0, w.stderr)
  t.is(w.stdout.trim(), '255')
  const rm = tsc(root, ['rm', 'fg'])
  t.is(rm.code, 0, rm.stderr)
  t.deepEqual(leftovers(root, [e.id]), [])
})

test('a dead container (its creation was killed) shows as Dead, cannot start, and rm removes it', (t) => {
  const root = makeDataRoot()
  // What a run killed right after its record, before it claimed its name, leaves: made by
  // hand with a creator that is certainly gone (a reaped child's pid, with a start time no
  // process has) and the name's claim taken away.
  const r = tsc(root, ['create', '--name', 'half', '--rootfs', rootfs, 'true'])
  t.is(r.code, 0, r.stderr)
  const id = r.stdout.trim()
  const file = join(root, 'containers', id, 'record.json')
  const rec = JSON.parse(readFileSync(file, 'utf8'))
  const gone = spawnSync('true').pid
  writeFileSync(file, JSON.stringify({ ...rec, status: 'creating', creator: { pid: gone, startTime: 1 } }))
  rmSync(join(root, 'names', 'half'))
  const e = stateOf(root, 'half')!
  t.is(e.state, 'dead')
  t.is(e.status, 'Dead')
  t.is(e.exitCode, null)
  t.deepEqual(tsc(root, ['ps', '--format', '{{.Names}} {{.Status}}']).stdout.trim(), '', 'ps without -a lists only running containers')
  const start = tsc(root, ['start', '--json', 'half'])
  t.is(start.code, 1)
  t.is(JSON.parse(start.stdout).error.code, 'container_dead')
  // By the name ps -a shows, though nobody holds it.
  const rm = tsc(root, ['rm', 'half'])
  t.is(rm.code, 0, rm.stderr)
  t.deepEqual(leftovers(root, [id]), [])
  t.deepEqual(entries(join(root, 'names')), [])
})
