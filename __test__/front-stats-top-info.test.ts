// `tsc-box stats --no-stream`, `top` and `info` answer through the runtime's native front door,
// and the Node path runs the same Rust (crates/containers/src/stats.rs, top.rs, info.rs)
// through the binding: the same tables, --format output, --json documents, errors and exit
// statuses from both doors. `stats` without --no-stream streams, through Node.
import test from 'ava'
import { rmSync } from 'node:fs'
import { collect, makeDataRoot, sameAnswer, tsc, tscNode, tscSpawn, waitForOutput } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps, stateOf } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()

test.before(() => {
  for (const args of [
    ['run', '-d', '--name', 'up', '--rootfs', rootfs, 'sleep', '1000'],
    ['create', '--name', 'idle', '--rootfs', rootfs, 'sleep', '1000'],
  ]) {
    const r = tsc(root, args)
    if (r.code !== 0) throw new Error(`${args[0]} failed (${r.code}): ${r.stderr}`)
  }
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

// What does not change between two calls: errors, and the fields that stay put.
const SAME: string[][] = [
  ['top', 'up'],
  ['top', '--json', 'up'],
  ['top', 'idle'],
  ['top', '--json', 'idle'],
  ['top', 'nope'],
  ['top', '--json', 'nope'],
  ['stats', '--no-stream', 'nope'],
  ['stats', '--json', 'nope'],
  ['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}} {{.ID}}', 'up'],
  ['stats', '--no-stream', '--format', 'table {{.Name}}\t{{.PIDs}}'],
  ['stats', '--no-stream', '--format', '{{.Nope'],
  ['stats', '--no-stream', '--bogus'],
  ['info'],
  ['info', '--json'],
]

for (const args of SAME) {
  test.serial(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
    sameAnswer(t, tsc(root, args), tscNode(root, args))
  })
}

test.serial('top lists the container init with docker columns; stopped and missing containers fail with 1', (t) => {
  const r = tsc(root, ['top', 'up'])
  t.is(r.code, 0, r.stderr)
  const [header, line] = r.stdout.trim().split('\n')
  t.regex(header!, /^UID +PID +PPID +TIME +CMD$/)
  t.regex(line!, new RegExp(`^0 +${stateOf(root, 'up')!.pid} +\\d+ +00:00:00 +sleep 1000$`))
  const json = JSON.parse(tsc(root, ['top', '--json', 'up']).stdout)
  t.deepEqual(Object.keys(json[0]), ['pid', 'ppid', 'uid', 'time', 'command'])
  const stopped = tsc(root, ['top', 'idle'])
  t.is(stopped.code, 1)
  t.regex(stopped.stderr, /^tsc-box: container [0-9a-f]{12} is not running\n$/)
  t.is(tsc(root, ['top', 'nope']).code, 1)
})

test.serial('stats --no-stream: one reading at once, docker table and --json entries', (t) => {
  const t0 = Date.now()
  const r = tsc(root, ['stats', '--no-stream'])
  t.true(Date.now() - t0 < 5000)
  t.is(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  t.regex(lines[0]!, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +PIDS$/)
  t.is(lines.length, 2, 'only the running container')
  t.regex(lines[1]!, /^[0-9a-f]{12} +up +\d+\.\d\d% +\S+ \/ \S+ +\d+\.\d\d% +1$/)
  for (const run of [tsc, tscNode]) {
    const [e] = JSON.parse(run(root, ['stats', '--json', 'up']).stdout)
    t.deepEqual(Object.keys(e), ['id', 'name', 'cpuPercent', 'memoryUsage', 'memoryLimit', 'memoryPercent', 'pids'])
    t.is(e.pids, 1)
    t.true(e.memoryUsage > 0 && e.memoryLimit >= e.memoryUsage)
  }
  const bad = tsc(root, ['stats', '--no-stream', '--json', '--format', '{{.Nope'])
  t.is(bad.code, 125)
  t.is(JSON.parse(bad.stdout).error.code, 'invalid_format')
})

test.serial('stats without --no-stream streams readings (through Node)', async (t) => {
  const child = tscSpawn(root, ['stats', 'up'])
  const done = collect(child)
  await waitForOutput(child, (s) => /up +\d+\.\d\d%/.test(s))
  child.kill('SIGTERM')
  const r = await done
  t.true(r.stdout.includes('\x1b[2J\x1b[HCONTAINER ID'), r.stdout)
})

test.serial('info: the host probe, the data root and the runtime, text and --json', (t) => {
  const text = tsc(root, ['info'])
  t.is(text.code, 0, text.stderr)
  t.regex(text.stdout, new RegExp(`^Kernel: .*\\n[\\s\\S]*Data root: +${root}\\n[\\s\\S]*Runtime: +\\S+tsc-box-runtime \\(tsc-box-runtime `))
  const json = JSON.parse(tsc(root, ['info', '--json']).stdout)
  t.deepEqual(Object.keys(json), ['kernel', 'cgroup', 'namespaces', 'userNamespaces', 'overlayfs', 'dataRoot', 'runDir', 'runtime'])
  t.is(json.dataRoot, root)
  t.is(typeof json.namespaces.pid, 'boolean')
})
