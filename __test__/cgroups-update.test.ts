// `tsc-box-runtime update` raises and lowers the limits of a running container (checked in the
// cgroup files themselves and through `events --stats`), refuses bad values without changing
// anything, and `events` streams stats until the container is gone.
import test from 'ava'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs'
import { join } from 'node:path'
import { cgroupsNamed } from './helpers/leaks'
import { makeBundle, runtime, stateDir, TSC_RUNTIME } from './helpers/bundle'
import { makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'

const MiB = 1024 * 1024
let seq = 0

/** A cgroup control file of the container, wherever this host keeps it (v1 or v2). */
function cgroupFile(path: string, v1: [string, string], v2: string): string {
  const candidates = [`/sys/fs/cgroup/${v1[0]}${path}/${v1[1]}`, `/sys/fs/cgroup${path}/${v2}`]
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`none of ${candidates.join(', ')} exists`)
  return readFileSync(found, 'utf8').trim()
}

const memoryLimit = (p: string) => cgroupFile(p, ['memory', 'memory.limit_in_bytes'], 'memory.max')
const pidsLimit = (p: string) => cgroupFile(p, ['pids', 'pids.max'], 'pids.max')
const cpuQuota = (p: string) => cgroupFile(p, ['cpu', 'cpu.cfs_quota_us'], 'cpu.max').split(' ')[0]

interface StatsEvent {
  type: string
  id: string
  data: { memory: { usage: { limit: number } }; pids: { current: number; limit: number }; cpu: { usage: { total: number } } }
}

/** A created container (its init waits for `start`) with limits, and its cgroup path. */
function createContainer(t: import('ava').ExecutionContext) {
  const id = `cgupd-${process.pid}-${++seq}`
  const cgroupsPath = `/tsc-box-test/${id}`
  const bundle = makeBundle((c) => {
    c.process.args = ['sleep', '60']
    c.linux.cgroupsPath = cgroupsPath
    c.linux.resources = {
      ...c.linux.resources,
      memory: { limit: 64 * MiB, swap: 64 * MiB },
      pids: { limit: 20 },
      cpu: { quota: 50000, period: 100000 },
    }
  })
  const state = stateDir()
  // The init inherits create's stdio: pipes would keep a synchronous spawn waiting for it.
  const log = join(state, 'create.log')
  const created = spawnSync(TSC_RUNTIME, ['--root', state, '--log', log, 'create', '-b', bundle, id], { stdio: 'ignore', timeout: 30_000 })
  t.is(created.status, 0, existsSync(log) ? readFileSync(log, 'utf8') : 'no log')
  t.teardown(() => {
    runtime(TSC_RUNTIME, state, ['delete', '--force', id])
  })
  return { id, state, cgroupsPath }
}

function stats(state: string, id: string): StatsEvent {
  const r = runtime(TSC_RUNTIME, state, ['events', '--stats', id])
  if (r.code !== 0) throw new Error(`events --stats failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as StatsEvent
}

test('update raises and lowers the limits of a live container', (t) => {
  const { id, state, cgroupsPath } = createContainer(t)
  t.is(Number(memoryLimit(cgroupsPath)), 64 * MiB)
  t.is(pidsLimit(cgroupsPath), '20')
  t.is(cpuQuota(cgroupsPath), '50000')
  const before = stats(state, id)
  t.is(before.type, 'stats')
  t.is(before.id, id)
  t.is(before.data.memory.usage.limit, 64 * MiB)
  t.is(before.data.pids.limit, 20)
  t.true(before.data.pids.current >= 1)

  const up = runtime(TSC_RUNTIME, state, [
    'update',
    '--memory',
    `${128 * MiB}`,
    '--memory-swap',
    `${128 * MiB}`,
    '--pids-limit',
    '50',
    '--cpu-quota',
    '80000',
    id,
  ])
  t.is(up.code, 0, up.stderr)
  t.is(Number(memoryLimit(cgroupsPath)), 128 * MiB)
  t.is(pidsLimit(cgroupsPath), '50')
  t.is(cpuQuota(cgroupsPath), '80000')
  t.is(stats(state, id).data.memory.usage.limit, 128 * MiB)

  const down = runtime(TSC_RUNTIME, state, ['update', '--memory', `${48 * MiB}`, '--memory-swap', `${48 * MiB}`, '--pids-limit', '5', '--cpu-quota', '-1', id])
  t.is(down.code, 0, down.stderr)
  t.is(Number(memoryLimit(cgroupsPath)), 48 * MiB)
  t.is(pidsLimit(cgroupsPath), '5')
  t.regex(cpuQuota(cgroupsPath), /^(max|-1)$/)
  const after = stats(state, id)
  t.is(after.data.memory.usage.limit, 48 * MiB)
  t.is(after.data.pids.limit, 5)
})

test('update takes a resources file on stdin', (t) => {
  const { id, state, cgroupsPath } = createContainer(t)
  const r = runtime(TSC_RUNTIME, state, ['update', '--resources', '-', id], JSON.stringify({ pids: { limit: 33 } }))
  t.is(r.code, 0, r.stderr)
  t.is(pidsLimit(cgroupsPath), '33')
})

test('update refuses a bad value, names the field, and changes nothing', (t) => {
  const { id, state, cgroupsPath } = createContainer(t)
  const r = runtime(TSC_RUNTIME, state, ['update', '--memory', '1024', '--memory-swap', '1024', '--pids-limit', '7', id])
  t.not(r.code, 0)
  t.regex(r.stderr, /memory\.limit/)
  t.is(Number(memoryLimit(cgroupsPath)), 64 * MiB)
  t.is(pidsLimit(cgroupsPath), '20')
  const unknown = runtime(TSC_RUNTIME, state, ['update', '--pids-limit', '7', 'no-such-container'])
  t.not(unknown.code, 0)
})

test('events streams stats at the interval and ends when the container is deleted', async (t) => {
  const { id, state } = createContainer(t)
  const child = spawn(TSC_RUNTIME, ['--root', state, 'events', '--interval', '100ms', id], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const complete = () => out.split('\n').slice(0, -1)
  // Three events, however slow the machine (the v2 lane runs emulated).
  const three = new Promise<boolean>((res) => {
    const timer = setTimeout(() => res(false), 30_000)
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      if (complete().length >= 3) {
        clearTimeout(timer)
        res(true)
      }
    })
  })
  const ended = new Promise<number | null>((res) => child.on('close', (code) => res(code)))
  const started = Date.now()
  t.true(await three, `only ${complete().length} events in 30 s`)
  // At a 100 ms interval three events cannot take less than the two sleeps between them.
  t.true(Date.now() - started >= 200)
  const lines = complete().map((l) => JSON.parse(l) as StatsEvent)
  t.true(lines.every((l) => l.type === 'stats' && l.id === id))
  const del = runtime(TSC_RUNTIME, state, ['delete', '--force', id])
  t.is(del.code, 0, del.stderr)
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  t.is(await ended, 0, 'events did not end by itself after the container was deleted')
  clearTimeout(timer)
  t.deepEqual(cgroupsNamed(id), [])
})

test('stats reads the live cgroup: the limits set at run, the memory and processes in use', (t) => {
  const root = makeDataRoot()
  const name = `cgstats-${process.pid}`
  const r = tsc(root, ['run', '-d', '--name', name, '--memory', '64m', '--pids-limit', '20', '--network', 'none', '--rootfs', makeRootfs(), 'sleep', '100'])
  t.is(r.code, 0, r.stderr)
  try {
    const s = tsc(root, ['stats', '--json', name])
    t.is(s.code, 0, s.stderr)
    const [e] = JSON.parse(s.stdout) as Array<{ memoryLimit: number; memoryUsage: number; pids: number; cpuPercent: number }>
    t.is(e!.memoryLimit, 64 * MiB)
    t.true(e!.memoryUsage > 0 && e!.memoryUsage < 64 * MiB)
    t.true(e!.pids >= 1)
    t.true(e!.cpuPercent >= 0)
  } finally {
    tsc(root, ['rm', '-f', name])
  }
  const gone = tsc(root, ['stats', '--json', name])
  t.is(gone.code, 1)
  t.is(JSON.parse(gone.stdout).error.code, 'no_such_container')
})

test('a bundle with a bad limit is a config error naming the field, leaving no cgroup or state', (t) => {
  const id = `cgbad-${process.pid}`
  const bundle = makeBundle((c) => {
    c.process.args = ['true']
    c.linux.resources = { ...c.linux.resources, memory: { limit: 1024 } }
  })
  const state = stateDir()
  const log = join(state, 'log.json')
  const r = runtime(TSC_RUNTIME, state, ['--log', log, '--log-format', 'json', 'run', '-b', bundle, id])
  t.is(r.code, 1, r.stderr)
  const line = JSON.parse(readFileSync(log, 'utf8').trim().split('\n')[0]) as { kind: string; msg: string }
  t.is(line.kind, 'config')
  t.regex(line.msg, /linux\.resources\.memory\.limit/)
  t.deepEqual(cgroupsNamed(id), [])
  t.false(existsSync(join(state, id)))
})

test('events reports an OOM kill inside a container that keeps running', async (t) => {
  const id = `cgoom-${process.pid}`
  const bundle = makeBundle((c) => {
    c.process.args = ['sh', '-c', 'sleep 1; dd if=/dev/zero of=/dev/null bs=256M count=1; sleep 30']
    c.linux.cgroupsPath = `/tsc-box-test/${id}`
    c.linux.resources = { ...c.linux.resources, memory: { limit: 32 * MiB, swap: 32 * MiB } }
  })
  const state = stateDir()
  t.teardown(() => {
    runtime(TSC_RUNTIME, state, ['delete', '--force', id])
  })
  t.is(spawnSync(TSC_RUNTIME, ['--root', state, 'create', '-b', bundle, id], { stdio: 'ignore', timeout: 30_000 }).status, 0)
  const child = spawn(TSC_RUNTIME, ['--root', state, 'events', '--interval', '100ms', id], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const sawOom = new Promise<boolean>((res) => {
    const timer = setTimeout(() => res(false), 20_000)
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d
      if (/"type":"oom"/.test(out)) {
        clearTimeout(timer)
        res(true)
      }
    })
  })
  t.is(runtime(TSC_RUNTIME, state, ['start', id]).code, 0)
  t.true(await sawOom, out.slice(-500))
  child.kill('SIGKILL')
  // Complete lines only: the stream was cut at an arbitrary point.
  const events = out
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l) as { type: string; id: string })
  t.true(events.some((e) => e.type === 'oom' && e.id === id))
})

/** The block IO weight as this host's files show it: v1 blkio.(bfq.)weight, v2 io.weight. */
function blkioWeight(path: string): string {
  const files = [
    `/sys/fs/cgroup/blkio${path}/blkio.weight`,
    `/sys/fs/cgroup/blkio${path}/blkio.bfq.weight`,
    `/sys/fs/cgroup${path}/io.weight`,
    `/sys/fs/cgroup${path}/io.bfq.weight`,
  ]
  const found = files.find((f) => existsSync(f))
  if (!found) throw new Error(`no block IO weight file for ${path}`)
  return readFileSync(found, 'utf8').trim()
}

/**
 * Whether this host's kernel takes a block IO weight, read from the host itself: a v1 blkio
 * child cgroup has blkio.weight (CFQ) or blkio.bfq.weight (BFQ) only when the kernel has one
 * of them (the files are not on the root); on v2 the io controller carries the weight.
 */
function hostHasBlkioWeight(): boolean {
  if (existsSync('/sys/fs/cgroup/blkio')) {
    const probe = `/sys/fs/cgroup/blkio/tsc-box-test-probe-${process.pid}`
    mkdirSync(probe, { recursive: true })
    try {
      return existsSync(join(probe, 'blkio.weight')) || existsSync(join(probe, 'blkio.bfq.weight'))
    } finally {
      rmdirSync(probe)
    }
  }
  return readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/).includes('io')
}

const blkioWeightHost = hostHasBlkioWeight()

function blkioBundle(id: string) {
  const cgroupsPath = `/tsc-box-test/${id}`
  const bundle = makeBundle((c) => {
    c.process.args = ['sleep', '60']
    c.linux.cgroupsPath = cgroupsPath
    c.linux.resources = { ...c.linux.resources, blockIO: { weight: 300 } }
  })
  return { bundle, cgroupsPath }
}

if (blkioWeightHost) {
  test('block IO weight is applied at create and by update (v2: mapped onto io.weight)', (t) => {
    const id = `cgblk-${process.pid}`
    const { bundle, cgroupsPath } = blkioBundle(id)
    const state = stateDir()
    t.teardown(() => {
      runtime(TSC_RUNTIME, state, ['delete', '--force', id])
    })
    t.is(spawnSync(TSC_RUNTIME, ['--root', state, 'create', '-b', bundle, id], { stdio: 'ignore', timeout: 30_000 }).status, 0)
    // v1 keeps the value; v2's io.weight is 1..10000: 300 -> 2930.
    t.regex(blkioWeight(cgroupsPath), /^(default )?(300|2930)$/)
    t.is(runtime(TSC_RUNTIME, state, ['update', '--blkio-weight', '1000', id]).code, 0)
    t.regex(blkioWeight(cgroupsPath), /^(default )?(1000|10000)$/)
  })
} else {
  test('block IO weight on a kernel without a weight file: the runtime refuses it naming the file, leaving nothing', (t) => {
    const id = `cgblk-${process.pid}`
    const { bundle, cgroupsPath } = blkioBundle(id)
    const state = stateDir()
    t.teardown(() => {
      runtime(TSC_RUNTIME, state, ['delete', '--force', id])
    })
    const r = spawnSync(TSC_RUNTIME, ['--root', state, 'create', '-b', bundle, id], { encoding: 'utf8', timeout: 30_000 })
    t.not(r.status, 0)
    t.regex(r.stderr, /cgroup: linux\.resources\.blockIO\.weight .*blkio\.weight or blkio\.bfq\.weight/)
    t.false(existsSync(join(state, id)), 'no state record is left')
    t.deepEqual(cgroupsNamed(id), [], `no cgroup is left (${cgroupsPath})`)
  })

  test('run --blkio-weight on a kernel without a weight file warns as docker does and runs without it', (t) => {
    const root = makeDataRoot()
    const r = tsc(root, ['run', '--rm', '--blkio-weight', '300', '--rootfs', makeRootfs(), 'echo', 'ran'])
    t.is(r.code, 0, r.stderr)
    t.is(r.stdout, 'ran\n')
    t.is(r.stderr, 'WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n')
  })
}
