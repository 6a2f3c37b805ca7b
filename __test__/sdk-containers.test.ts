// The SDK (import {TscBox} from 'tsc-box') drives the scenarios of the CLI's tests in-process:
// run with its output captured, a detached lifecycle, exec, logs followed, typed errors.
import { PassThrough } from 'node:stream'
import test from 'ava'
import { TscBox, TscBoxError } from '../src/index'
import { makeDataRoot, RUNTIME } from './helpers/cli'

const root = makeDataRoot()
const box = new TscBox({ root, runtime: RUNTIME })
const TOOLS = 'localhost/sdk-tools:1'

test.before(async () => {
  await box.images.fromHost(TOOLS, ['/bin/sh', 'sleep', 'cat', 'head'])
})

test('run captures stdout and stderr separately with the exit status', async (t) => {
  const r = await box.run('host:/bin/sh', ['-c', 'echo out; echo err >&2; exit 3'], { rm: true })
  t.is(r.exitCode, 3)
  t.is(r.stdout.toString(), 'out\n')
  t.is(r.stderr.toString(), 'err\n')
  t.false(r.oomKilled)
  t.false(r.detached)
  // --rm: nothing is left.
  t.deepEqual(await box.containers.list({ all: true, filter: [`id=${r.id}`] }), [])
})

test('run takes the command line flags in camelCase (env, workdir, user, name) and stdin', async (t) => {
  const r = await box.run(TOOLS, ['-c', 'echo "$GREETING"; pwd; id -u 2>/dev/null || echo none; cat'], {
    env: ['GREETING=hello'],
    workdir: '/tmp',
    name: `sdk-flags-${process.pid}`,
    stdin: 'from stdin\n',
  })
  t.is(r.exitCode, 0, r.stderr.toString())
  t.is(r.name, `sdk-flags-${process.pid}`)
  t.true(r.stdout.toString().startsWith('hello\n/tmp\n'), r.stdout.toString())
  t.true(r.stdout.toString().endsWith('from stdin\n'))
  await box.containers.remove(r.name)
})

test('a foreground run keeps its log, as the command line keeps one', async (t) => {
  const r = await box.run('host:/bin/sh', ['-c', 'echo kept; echo also >&2'])
  t.teardown(() => box.containers.remove(r.id))
  t.is(r.stdout.toString(), 'kept\n')
  const seen: string[] = []
  for await (const e of box.containers.logs(r.id)) seen.push(`${e.stream}:${e.log}`)
  t.deepEqual(seen.sort(), ['stderr:also\n', 'stdout:kept\n'])
  t.is((await box.containers.inspect(r.id)).State.ExitCode, 0)
})

test('run streams output to the given streams as it comes', async (t) => {
  const out = new PassThrough()
  const chunks: string[] = []
  out.on('data', (c: Buffer) => chunks.push(c.toString()))
  const r = await box.run('host:/bin/sh', ['-c', 'echo one; echo two'], { rm: true, stdout: out })
  t.is(r.exitCode, 0)
  t.is(chunks.join(''), 'one\ntwo\n')
  t.is(r.stdout.length, 0)
})

test('a container over its --memory is OOM-killed and reported so', async (t) => {
  // The shell doubles a string until the 8 MiB cgroup limit ends it.
  const r = await box.run('host:/bin/sh', ['-c', 's=xxxxxxxxxxxxxxxx; while :; do s="$s$s"; done'], { rm: true, memory: '8m', memorySwap: '8m' })
  t.true(r.oomKilled, `exit ${r.exitCode}: ${r.stderr.toString()}`)
  t.is(r.exitCode, 137)
})

test('detached lifecycle: run detach, list, stop, wait, remove', async (t) => {
  const { id, detached } = await box.run(TOOLS, ['-c', 'echo up; exec sleep 60'], { detach: true })
  t.true(detached)
  const listed = await box.containers.list()
  t.true(listed.some((c) => c.id === id && c.state === 'running'))
  const doc = await box.containers.inspect(id)
  t.is(doc.Id, id)
  t.true(doc.State.Running)
  // sleep is the container's pid 1, which SIGTERM does not end: the SIGKILL after 1 s does.
  await box.containers.stop(id, { time: 1 })
  t.is(await box.containers.wait(id), 137)
  t.is((await box.containers.inspect(id)).State.Status, 'exited')
  await box.containers.remove(id)
  await t.throwsAsync(box.containers.inspect(id), { instanceOf: TscBoxError, message: /no such/i })
})

test('create, start, pause, unpause, restart, kill and wait', async (t) => {
  const { id } = await box.containers.create(TOOLS, ['-c', 'exec sleep 60'])
  const state = async () => (await box.containers.list({ all: true })).find((c) => c.id === id)?.state
  t.is(await state(), 'created')
  await box.containers.start(id)
  await box.containers.pause(id)
  t.is(await state(), 'paused')
  await box.containers.unpause(id)
  const pid = (await box.containers.inspect(id)).State.Pid
  await box.containers.restart(id, { time: 0 })
  t.is(await state(), 'running')
  t.not((await box.containers.inspect(id)).State.Pid, pid)
  await box.containers.kill(id, { signal: 'KILL' })
  t.is(await box.containers.wait(id), 137)
  await box.containers.remove(id, { force: true })
})

test('exec: output captured, or streamed, and its exit status', async (t) => {
  const { id } = await box.run(TOOLS, ['-c', 'exec sleep 60'], { detach: true })
  t.teardown(() => box.containers.remove(id, { force: true }))
  const r = await box.containers.exec(id, ['/bin/sh', '-c', 'echo in; echo err >&2; printf partial; exit 4'])
  t.is(r.exitCode, 4)
  t.is(r.stdout.toString(), 'in\npartial')
  t.is(r.stderr.toString(), 'err\n')
  const out = new PassThrough()
  let streamed = ''
  out.on('data', (c: Buffer) => (streamed += c.toString()))
  const s = await box.containers.exec(id, ['/bin/sh', '-c', 'cat; echo done'], { stdout: out, stdin: 'piped\n', env: ['X=1'] })
  t.is(s.exitCode, 0)
  t.is(streamed, 'piped\ndone\n')
  // -d: resolves once the process is started, which keeps running.
  const started = Date.now()
  const d = await box.containers.exec(id, ['/bin/sh', '-c', 'sleep 30'], { detach: true })
  t.is(d.exitCode, 0)
  t.true(Date.now() - started < 3000, `exec -d took ${Date.now() - started} ms`)
  // A long output without newlines passes whole, the front door's line taken off its end.
  const big = await box.containers.exec(id, ['/bin/sh', '-c', 'i=0; while [ $i -lt 20000 ]; do printf 0123456789; i=$((i+1)); done'])
  t.is(big.exitCode, 0)
  t.is(big.stdout.length, 200_000)
  t.true(/^(0123456789)+$/.test(big.stdout.toString()))
  const stats = await box.containers.stats(id)
  t.is(stats[0]?.id, id)
  t.true((stats[0]?.pids ?? 0) >= 1)
})

test('exec in a container that is not running fails with its code', async (t) => {
  const { id } = await box.containers.create(TOOLS, ['-c', 'true'])
  t.teardown(() => box.containers.remove(id, { force: true }))
  const e = await t.throwsAsync(box.containers.exec(id, ['/bin/sh']), { instanceOf: TscBoxError })
  t.is(e?.code, 'container_not_running')
  t.is(e?.exitCode, 1)
})

test('logs follow is an async iterator that ends when the container exits', async (t) => {
  const { id } = await box.run(TOOLS, ['-c', 'echo first; sleep 1; echo second >&2; sleep 1; echo third'], { detach: true })
  t.teardown(() => box.containers.remove(id, { force: true }))
  const seen: string[] = []
  for await (const e of box.containers.logs(id, { follow: true })) seen.push(`${e.stream}:${e.log}`)
  t.deepEqual(seen, ['stdout:first\n', 'stderr:second\n', 'stdout:third\n'])
  const tail: string[] = []
  for await (const e of box.containers.logs(id, { tail: '1' })) tail.push(e.log)
  t.deepEqual(tail, ['third\n'])
})

test('typed errors: a missing image with pull never is image_not_found', async (t) => {
  const e = await t.throwsAsync(box.run('example.invalid/none:1', [], { pull: 'never' }), { instanceOf: TscBoxError })
  t.is(e?.code, 'image_not_found')
  t.is(e?.exitCode, 125)
  const n = await t.throwsAsync(box.containers.stop('no-such-container'), { instanceOf: TscBoxError })
  t.is(n?.code, 'no_such_container')
  const f = await t.throwsAsync(box.run(TOOLS, [], { memory: 'lots' } as never), { instanceOf: TscBoxError })
  t.truthy(f?.code)
  const u = await t.throwsAsync(box.run(TOOLS, [], { noSuchFlag: true } as never), { instanceOf: TscBoxError })
  t.is(u?.code, 'invalid_usage')
})

test('runs started at once from one process, of an image made on first use, all run', async (t) => {
  // Each run makes host:/bin/sh's image if missing: one process unpacks its layer several times at once.
  const fresh = new TscBox({ root: makeDataRoot(), runtime: RUNTIME })
  const runs = await Promise.all([1, 2, 3, 4].map((i) => fresh.run('host:/bin/sh', ['-c', `echo ${i}`], { rm: true })))
  t.deepEqual(
    runs.map((r) => r.stdout.toString()),
    ['1\n', '2\n', '3\n', '4\n'],
  )
})
