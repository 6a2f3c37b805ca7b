// Each lifecycle command as docker defines it: run -d, create/start, restart, ps, inspect,
// logs, stop, kill, rm, wait, top, stats, pause/unpause, exec, container prune; names and id
// prefixes; --json shapes and errors; the restart policies the monitor carries out.
import test from 'ava'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'
import { cgroupsNamed } from './helpers/leaks'
import { makeRootfs, TEST_USER } from './helpers/rootfs'
import { leftovers, processesNamed, ps, stateOf, until } from './lifecycle-helpers'

const rootfs = makeRootfs()

function detached(root: string, ...args: string[]): string {
  const r = tsc(root, ['run', '-d', ...args])
  if (r.code !== 0) throw new Error(`run -d failed (${r.code}): ${r.stderr}`)
  return r.stdout.trim()
}

function cleanup(t: import('ava').ExecutionContext, root: string) {
  t.teardown(() => {
    const ids = ps(root).map((e) => e.id)
    if (ids.length > 0) tsc(root, ['rm', '-f', ...ids])
  })
}

test('run -d prints the full id at once and the container runs under a monitor', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  // It returns while the app (which never ends by itself) still runs: it did not wait for it.
  const id = detached(root, '--name', 'svc', '--rootfs', rootfs, 'sleep', '1000')
  t.regex(id, /^[0-9a-f]{64}$/)
  const e = stateOf(root, id)!
  t.is(e.state, 'running')
  t.is(e.name, 'svc')
  t.true(e.pid > 0)
  // The init's parent is the monitor, a tsc-box-runtime in its own session.
  const ppid = Number(readFileSync(`/proc/${e.pid}/stat`, 'utf8').split(') ')[1].split(' ')[1])
  t.regex(readFileSync(`/proc/${ppid}/cmdline`, 'utf8'), /^tsc-box-monitor\0/)
})

test('ps lists running containers; -a, -q, --filter, --format, --no-trunc and --json', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const a = detached(root, '--name', 'alpha', '--rootfs', rootfs, 'sleep', '1000')
  const b = tsc(root, ['run', '--name', 'beta', '--rootfs', rootfs, 'sh', '-c', 'exit 3'])
  t.is(b.code, 3)
  t.deepEqual(tsc(root, ['ps', '-q']).stdout.trim().split('\n'), [a.slice(0, 12)])
  t.is(tsc(root, ['ps', '-a', '-q']).stdout.trim().split('\n').length, 2)
  t.deepEqual(tsc(root, ['ps', '-a', '-q', '--no-trunc', '--filter', 'name=alp']).stdout.trim(), a)
  t.is(tsc(root, ['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}} {{.State}}']).stdout.trim(), 'beta exited')
  t.is(tsc(root, ['ps', '--filter', 'status=exited', '--format', '{{.Names}}']).stdout.trim(), 'beta')
  const table = tsc(root, ['ps']).stdout
  t.regex(table, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES/)
  t.regex(table, /Up /)
  const all = JSON.parse(tsc(root, ['ps', '-a', '--json']).stdout) as Array<Record<string, unknown>>
  t.deepEqual(Object.keys(all[0]).sort(), ['command', 'created', 'exitCode', 'id', 'name', 'pid', 'restartCount', 'state', 'status'])
  const beta = all.find((e) => e.name === 'beta')!
  t.is(beta.state, 'exited')
  t.is(beta.exitCode, 3)
  t.regex(String(beta.status), /^Exited \(3\)/)
  const bad = tsc(root, ['ps', '--filter', 'colour=red', '--json'])
  t.is(bad.code, 125)
  t.is(JSON.parse(bad.stdout).error.code, 'invalid_filter')
})

test('names are unique, any unique id prefix works, an ambiguous or unknown one is an error', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const ids = [1, 2, 3, 4, 5, 6].map(() => detached(root, '--rootfs', rootfs, 'sleep', '1000'))
  detached(root, '--name', 'dup', '--rootfs', rootfs, 'sleep', '1000')
  const again = tsc(root, ['run', '-d', '--name', 'dup', '--rootfs', rootfs, 'sleep', '1'])
  t.is(again.code, 125)
  t.regex(again.stderr, /already in use/)
  for (const id of ids) t.is(JSON.parse(tsc(root, ['inspect', id.slice(0, 7), '--json']).stdout)[0].Id, id)
  // Sixteen hex digits share a one-digit prefix with some other id among seven only by chance:
  // find a prefix that is ambiguous for real.
  const firsts = ids.map((i) => i[0])
  const shared = firsts.find((c, i) => firsts.indexOf(c) !== i)
  if (shared !== undefined) {
    const r = tsc(root, ['inspect', '--json', shared])
    t.is(r.code, 1)
    t.is(JSON.parse(r.stdout).error.code, 'ambiguous_id')
  }
  const missing = tsc(root, ['stop', '--json', 'no-such-container'])
  t.is(missing.code, 1)
  t.is(JSON.parse(missing.stdout).error.code, 'no_such_container')
})

test('logs: stdout and stderr apart, --tail, -t, --since, and -f until the container ends', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const id = detached(root, '--rootfs', rootfs, 'sh', '-c', 'for i in 1 2 3; do echo out$i; echo err$i >&2; done; printf partial; sleep 1; echo " end"')
  tsc(root, ['wait', id])
  const r = tsc(root, ['logs', id])
  t.is(r.stdout, 'out1\nout2\nout3\npartial end\n')
  t.is(r.stderr, 'err1\nerr2\nerr3\n')
  t.is(tsc(root, ['logs', '--tail', '1', id]).stdout, 'partial end\n')
  t.regex(tsc(root, ['logs', '-t', '-n', '1', id]).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z partial end\n$/)
  t.is(tsc(root, ['logs', '--since', '2999-01-01T00:00:00Z', id]).stdout, '')
  t.is(tsc(root, ['logs', '--since', '1h', id]).stdout.split('\n').length, 5)
  const json = JSON.parse(tsc(root, ['logs', '--json', id]).stdout) as Array<{ stream: string; log: string; time: string }>
  t.deepEqual(
    json.filter((e) => e.stream === 'stderr').map((e) => e.log),
    ['err1\n', 'err2\n', 'err3\n'],
  )
  const f = detached(root, '--rootfs', rootfs, 'sh', '-c', 'echo first; sleep 1; echo second')
  const followed = tsc(root, ['logs', '-f', f])
  t.is(followed.code, 0)
  t.is(followed.stdout, 'first\nsecond\n')
})

test('stop sends SIGTERM, then SIGKILL after -t; kill -s sends the signal; wait prints the status', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const polite = detached(root, '--rootfs', rootfs, 'sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.1; done')
  const stubborn = detached(root, '--rootfs', rootfs, 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done')
  const p0 = Date.now()
  t.is(tsc(root, ['stop', polite]).code, 0)
  // What a stop costs here without any wait (the v2 lane's emulation makes it seconds).
  const base = Date.now() - p0
  t.is(stateOf(root, polite)!.exitCode, 42)
  const t0 = Date.now()
  t.is(tsc(root, ['stop', '-t', '1', stubborn]).code, 0)
  const took = Date.now() - t0
  t.true(took >= 1000 && took < base + 1000 + 8000, `stop -t 1 took ${took} ms (a plain stop ${base} ms)`)
  t.is(stateOf(root, stubborn)!.exitCode, 137)
  // The app is pid 1 of its namespace: only signals it handles reach it (SIGKILL aside).
  const k = detached(root, '--rootfs', rootfs, 'sh', '-c', 'trap "exit 10" USR1; while true; do sleep 0.1; done')
  t.is(tsc(root, ['kill', '-s', 'USR1', k]).code, 0)
  t.is(tsc(root, ['wait', k]).stdout.trim(), '10')
  const killed = detached(root, '--rootfs', rootfs, 'sleep', '1000')
  t.is(tsc(root, ['kill', killed]).code, 0)
  t.is(tsc(root, ['wait', killed]).stdout.trim(), '137')
  const notRunning = tsc(root, ['kill', '--json', k])
  t.is(notRunning.code, 1)
  t.is(JSON.parse(notRunning.stdout).error.code, 'container_not_running')
  t.deepEqual(JSON.parse(tsc(root, ['wait', '--json', k]).stdout), [{ id: k, name: stateOf(root, k)!.name, exitCode: 10 }])
})

test('rm refuses a running container without -f; rm -f removes everything', (t) => {
  const root = makeDataRoot()
  const id = detached(root, '--name', 'gone', '--rootfs', rootfs, 'sleep', '1000')
  const refused = tsc(root, ['rm', '--json', 'gone'])
  t.is(refused.code, 1)
  t.is(JSON.parse(refused.stdout).error.code, 'container_running')
  t.is(stateOf(root, id)!.state, 'running')
  t.deepEqual(JSON.parse(tsc(root, ['rm', '-f', '-v', '--json', 'gone']).stdout), [{ id, name: 'gone' }])
  t.deepEqual(leftovers(root, [id]), [])
  // The name is free again.
  const again = detached(root, '--name', 'gone', '--rootfs', rootfs, 'true')
  t.is(tsc(root, ['wait', again]).stdout.trim(), '0')
  t.is(tsc(root, ['rm', 'gone']).code, 0)
  t.deepEqual(leftovers(root, [again]), [])
})

test('create then start; start of a stopped container runs again on the same root filesystem', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const c = tsc(root, ['create', '--name', 'later', '--rootfs', rootfs, 'sh', '-c', 'echo run >> /tmp/count-$HOSTNAME; cat /tmp/count-$HOSTNAME | wc -l'])
  t.is(c.code, 0, c.stderr)
  const id = c.stdout.trim()
  t.is(stateOf(root, id)!.state, 'created')
  t.is(tsc(root, ['start', 'later']).stdout.trim(), 'later')
  t.is(tsc(root, ['wait', 'later']).stdout.trim(), '0')
  t.is(tsc(root, ['start', 'later']).code, 0)
  t.is(tsc(root, ['wait', 'later']).stdout.trim(), '0')
  t.is(tsc(root, ['logs', 'later']).stdout, '1\n2\n')
  t.is(readFileSync(join(rootfs, 'tmp', `count-${id.slice(0, 12)}`), 'utf8'), 'run\nrun\n')
})

test('restart stops and starts; the restart count of a policy-restarted container', async (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const id = detached(root, '--rootfs', rootfs, 'sleep', '1000')
  const pid = stateOf(root, id)!.pid
  t.is(tsc(root, ['restart', '-t', '0', id]).code, 0)
  const after = stateOf(root, id)!
  t.is(after.state, 'running')
  t.not(after.pid, pid)
  const flaky = detached(root, '--restart', 'on-failure:2', '--rootfs', rootfs, 'sh', '-c', 'echo try; exit 5')
  await until('two restarts', () => {
    const e = stateOf(root, flaky)
    return e?.state === 'exited' && e.restartCount === 2 ? e : undefined
  })
  t.is(stateOf(root, flaky)!.exitCode, 5)
  t.is(tsc(root, ['logs', flaky]).stdout, 'try\ntry\ntry\n')
  const ok = detached(root, '--restart', 'on-failure', '--rootfs', rootfs, 'true')
  t.is(tsc(root, ['wait', ok]).stdout.trim(), '0')
  t.is(stateOf(root, ok)!.restartCount, 0)
  const always = detached(root, '--restart', 'always', '--rootfs', rootfs, 'sh', '-c', 'sleep 0.2')
  await until('a restart of an always container', () => (stateOf(root, always)?.restartCount ?? 0) >= 1)
  t.is(tsc(root, ['stop', always]).code, 0)
  const stopped = stateOf(root, always)!
  t.is(stopped.state, 'exited')
  await new Promise((r) => setTimeout(r, 1500))
  t.is(stateOf(root, always)!.state, 'exited', 'a stopped container is not restarted')
  t.is(tsc(root, ['run', '-d', '--restart', 'sometimes', '--rootfs', rootfs, 'true']).code, 125)
})

test('inspect: docker field names, state, restart policy, log path', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const id = detached(root, '--name', 'insp', '--restart', 'on-failure:3', '--rootfs', rootfs, 'sleep', '1000')
  const [doc] = JSON.parse(tsc(root, ['inspect', 'insp']).stdout)
  t.is(doc.Id, id)
  t.is(doc.Name, '/insp')
  t.is(doc.Path, 'sleep')
  t.deepEqual(doc.Args, ['1000'])
  t.is(doc.State.Status, 'running')
  t.true(doc.State.Running)
  t.true(doc.State.Pid > 0)
  t.deepEqual(doc.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 })
  t.true(doc.LogPath.endsWith('container.log'))
  t.is(tsc(root, ['inspect', '-f', '{{.State.Status}} {{.Name}}', id]).stdout.trim(), 'running /insp')
})

test('pause freezes every process and unpause thaws them', async (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const id = detached(root, '--rootfs', rootfs, 'sh', '-c', 'while true; do date +%s%N > /tmp/tick-$HOSTNAME; sleep 0.05; done')
  const tick = join(rootfs, 'tmp', `tick-${id.slice(0, 12)}`)
  await until('a first tick', () => {
    try {
      return readFileSync(tick, 'utf8')
    } catch {
      return undefined
    }
  })
  t.is(tsc(root, ['pause', id]).code, 0)
  t.is(stateOf(root, id)!.state, 'paused')
  const frozen = readFileSync(tick, 'utf8')
  await new Promise((r) => setTimeout(r, 400))
  t.is(readFileSync(tick, 'utf8'), frozen)
  t.is(tsc(root, ['exec', id, 'true']).code, 1, 'no exec into a paused container')
  t.is(tsc(root, ['unpause', id]).code, 0)
  await until('ticks again', () => readFileSync(tick, 'utf8') !== frozen)
  t.is(stateOf(root, id)!.state, 'running')
  t.is(tsc(root, ['unpause', '--json', id]).code, 1)
  // A paused container still stops.
  t.is(tsc(root, ['pause', id]).code, 0)
  t.is(tsc(root, ['stop', '-t', '1', id]).code, 0)
  t.is(stateOf(root, id)!.state, 'exited')
})

test('exec: namespaces, env, user, workdir, stdin, exit statuses 0/N/126/127', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const id = detached(root, '--hostname', 'inside', '--rootfs', rootfs, 'sleep', '1000')
  const r = tsc(root, ['exec', id, 'sh', '-c', 'hostname; echo $$; ps | grep -c "[s]leep 1000"'])
  t.is(r.code, 0, r.stderr)
  const [host, , sleeps] = r.stdout.trim().split('\n')
  t.is(host, 'inside')
  t.is(sleeps, '1')
  t.is(tsc(root, ['exec', '-e', 'GREETING=hi', id, 'sh', '-c', 'echo $GREETING']).stdout, 'hi\n')
  t.is(tsc(root, ['exec', '-u', TEST_USER.name, '-w', '/tmp', id, 'sh', '-c', 'id -u; pwd']).stdout, `${TEST_USER.uid}\n/tmp\n`)
  t.is(tsc(root, ['exec', '-i', id, 'cat'], 'from stdin').stdout, 'from stdin')
  t.is(tsc(root, ['exec', id, 'sh', '-c', 'exit 7']).code, 7)
  t.is(tsc(root, ['exec', id, 'no-such-command']).code, 127)
  t.is(tsc(root, ['exec', id, '/etc/passwd']).code, 126)
  const json = tsc(root, ['exec', '--json', id, 'sh', '-c', 'exit 2'])
  t.is(json.code, 2)
  t.deepEqual(JSON.parse(json.stdout.trim().split('\n').pop()!), { id, exitCode: 2 })
  // The exec'd process is in the container's cgroup and has its capabilities.
  const caps = (pid: string) => /CapEff:\s+(\w+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]
  const pid = String(stateOf(root, id)!.pid)
  const inner = tsc(root, ['exec', id, 'sh', '-c', 'grep CapEff /proc/self/status | cut -f2; cat /proc/self/cgroup | head -1'])
  t.is(inner.stdout.split('\n')[0], caps(pid))
  t.is(tsc(root, ['stop', '-t', '0', id]).code, 0)
  t.is(tsc(root, ['exec', id, 'true']).code, 1)
})

test('top lists the container processes; stats reports CPU, memory and pids', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const id = detached(root, '--memory', '64m', '--rootfs', rootfs, 'sh', '-c', 'sleep 1000 & while true; do :; done')
  const top = JSON.parse(tsc(root, ['top', '--json', id]).stdout) as Array<{ pid: number; command: string }>
  t.true(top.some((p) => p.command === 'sleep 1000'))
  t.true(top.some((p) => p.command.startsWith('sh -c')))
  t.regex(tsc(root, ['top', id]).stdout, /^UID\s+PID\s+PPID\s+TIME\s+CMD/)
  const idle = detached(root, '--rootfs', rootfs, 'sleep', '1000')
  const [s, i] = JSON.parse(tsc(root, ['stats', '--no-stream', '--json', id, idle]).stdout) as Array<Record<string, number>>
  // How much CPU the loop gets depends on the host's load: it only has to show, and beat idle.
  t.true(s.cpuPercent > 0 && s.cpuPercent > i.cpuPercent, `busy loop at ${s.cpuPercent}%, idle at ${i.cpuPercent}%`)
  t.is(i.pids, 1)
  t.is(s.memoryLimit, 64 * 1024 * 1024)
  t.true(s.memoryUsage > 0)
  t.is(s.pids, 2)
  t.regex(tsc(root, ['stats', '--no-stream']).stdout, /CPU %\s+MEM USAGE \/ LIMIT/)
})

test('container prune removes stopped containers only', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const live = detached(root, '--rootfs', rootfs, 'sleep', '1000')
  const done = detached(root, '--rootfs', rootfs, 'true')
  tsc(root, ['wait', done])
  const created = tsc(root, ['create', '--rootfs', rootfs, 'true']).stdout.trim()
  const r = JSON.parse(tsc(root, ['container', 'prune', '-f', '--json']).stdout)
  t.deepEqual(r.removed.sort(), [done, created].sort())
  t.deepEqual(
    ps(root).map((e) => e.id),
    [live],
  )
  t.deepEqual(
    leftovers(root, [done, created]).filter((l) => !l.includes(live)),
    [],
  )
})

test('a detached -t container logs its terminal output', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const id = detached(root, '-t', '--rootfs', rootfs, 'sh', '-c', 'tty; echo done')
  t.is(tsc(root, ['wait', id]).stdout.trim(), '0')
  t.regex(tsc(root, ['logs', id]).stdout, /\/dev\/pts\/0\r?\ndone/)
})

test('the monitor records an OOM kill', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  const id = detached(root, '--memory', '16m', '--memory-swap', '16m', '--rootfs', rootfs, 'sh', '-c', 'x=a; while true; do x=$x$x; done')
  t.is(tsc(root, ['wait', id]).stdout.trim(), '137')
  t.true(JSON.parse(tsc(root, ['inspect', id]).stdout)[0].State.OOMKilled)
  t.deepEqual(cgroupsNamed(id), [])
  t.deepEqual(processesNamed(id), [])
})

test('a log past its size limit is rotated and still read in order', (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  // 10 MiB default limit: 12 MiB of output rotates once.
  const id = detached(
    root,
    '--rootfs',
    rootfs,
    'sh',
    '-c',
    'i=0; while [ $i -lt 120000 ]; do echo "line $i ........................................................................................"; i=$((i+1)); done',
  )
  tsc(root, ['wait', id])
  const dir = join(root, 'containers', id)
  t.true(readFileSync(join(dir, 'container.log.1')).length > 5 << 20)
  const lines = tsc(root, ['logs', '--tail', '3', id]).stdout.trim().split('\n')
  t.deepEqual(
    lines.map((l) => l.split(' ')[1]),
    ['119997', '119998', '119999'],
  )
  writeFileSync(join(dir, 'container.log.1'), '')
})

test('run -d --rm and create --rm: the container removes itself once it has ended; --restart with --rm is refused', async (t) => {
  const root = makeDataRoot()
  cleanup(t, root)
  // Ends by itself: nobody waits for it, yet it goes, with everything it had.
  const ended = detached(root, '--rm', '--rootfs', rootfs, 'sh', '-c', 'sleep 0.3; exit 3')
  const kept = detached(root, '--rootfs', rootfs, 'sh', '-c', 'exit 3')
  await until('the --rm container to remove itself', () => stateOf(root, ended) === undefined)
  t.deepEqual(
    leftovers(root, [ended]).filter((l) => !l.includes(kept)),
    [],
  )
  // The same container without --rm stays, exited, for `logs` and `inspect`.
  await until('the other to exit', () => stateOf(root, kept)?.state === 'exited')
  t.is(stateOf(root, kept)!.exitCode, 3)

  // Stopped on purpose: removed as well (docker does the same).
  const stopped = detached(root, '--rm', '--rootfs', rootfs, 'sleep', '1000')
  t.is(tsc(root, ['stop', '-t', '0', stopped]).code, 0)
  await until('the stopped --rm container to go', () => stateOf(root, stopped) === undefined)

  // create --rm keeps it until it has run.
  const created = tsc(root, ['create', '--rm', '--rootfs', rootfs, 'true']).stdout.trim()
  t.is(stateOf(root, created)!.state, 'created')
  t.is(tsc(root, ['start', created]).code, 0)
  await until('the created --rm container to go after its run', () => stateOf(root, created) === undefined)

  const bad = tsc(root, ['run', '-d', '--rm', '--restart', 'always', '--json', '--rootfs', rootfs, 'true'])
  t.is(bad.code, 125)
  t.is(JSON.parse(bad.stdout).error.code, 'conflicting_options')
  t.is(tsc(root, ['rm', '-f', kept]).code, 0)
  t.deepEqual(leftovers(root, [ended, kept, stopped, created]), [])
})
