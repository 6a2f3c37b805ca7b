// tsc-box-runtime in runc's place, as docker, containerd, the CRI and podman drive it: the
// inputs they send (docker's seccomp profile, docker's and the CRI's update documents, runc
// 1.1's flags) are taken with runc's meaning, failures are reported where engines look for
// them (create's and start's --log, with the phrases docker maps to 126/127), and a paused
// container is "paused". Each scenario runs under runc too, as the baseline, in the same test.
import test, { type ExecutionContext } from 'ava'
import { spawnSync } from 'node:child_process'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cgroupsNamed } from './helpers/leaks'
import { type Config, makeBundle, runtime, setArgs, stateDir, TSC_RUNTIME } from './helpers/bundle'
import { serialIf } from './helpers/conditional'

let seq = 0
const newId = (p: string) => `compat-${p}-${process.pid}-${++seq}`
const RUNTIMES: Array<[string, string]> = [
  ['tsc-box-runtime', TSC_RUNTIME],
  ['runc', 'runc'],
]

interface Created {
  id: string
  state: string
  log: string
  code: number | null
}

/** `create` with a JSON --log, stdio away from pipes (the init keeps create's stdio). */
function create(bin: string, bundle: string, t: ExecutionContext, extra: string[] = []): Created {
  const id = newId('c')
  const state = stateDir()
  const log = join(state, 'runtime.log')
  const r = spawnSync(bin, ['--root', state, '--log', log, '--log-format', 'json', 'create', ...extra, '-b', bundle, id], {
    stdio: 'ignore',
    timeout: 30_000,
  })
  t.teardown(() => {
    runtime(bin, state, ['delete', '--force', id])
  })
  return { id, state, log, code: r.status }
}

const logOf = (c: Created) => (existsSync(c.log) ? readFileSync(c.log, 'utf8') : '')

/** A running `sleep` container under `bin`. */
function running(bin: string, t: ExecutionContext, edit: (c: Config) => void = () => {}): Created {
  const bundle = makeBundle((c) => {
    setArgs('sleep', '300')(c)
    edit(c)
  })
  const c = create(bin, bundle, t)
  t.is(c.code, 0, logOf(c))
  const s = runtime(bin, c.state, ['--log', c.log, 'start', c.id])
  t.is(s.code, 0, s.stderr)
  return c
}

/** docker's default profile as dockerd hands it to the runtime (Go omits a zero valueTwo):
 * built from the host's containers-common profile, with docker's clone rule. */
function dockerProfile(): object {
  const src = JSON.parse(readFileSync('/usr/share/containers/seccomp.json', 'utf8')) as {
    syscalls: Array<{ names: string[]; action: string; args?: unknown[]; includes?: Record<string, unknown>; excludes?: Record<string, unknown> }>
  }
  // Entries for this architecture count (arch_prctl is one), those for capabilities do not.
  const forUs = (i: Record<string, unknown> = {}) => !i.caps && !i.minKernel && (!i.arches || (i.arches as string[]).includes('amd64'))
  const unconditional = src.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args?.length && forUs(s.includes))
  // As docker: clone only without CLONE_NEW* flags, clone3 ENOSYS, unshare for CAP_SYS_ADMIN.
  const names = unconditional.flatMap((s) => s.names).filter((n) => !['clone', 'clone3', 'unshare', 'setns'].includes(n))
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names, action: 'SCMP_ACT_ALLOW' },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ],
  }
}

const haveProfile = existsSync('/usr/share/containers/seccomp.json') && process.arch === 'x64'

serialIf(haveProfile, 'needs /usr/share/containers/seccomp.json on x86_64')(
  "docker's default seccomp profile (clone with SCMP_CMP_MASKED_EQ and no valueTwo) loads and filters as under runc",
  (t) => {
    const outs = RUNTIMES.map(([, bin]) => {
      const bundle = makeBundle((c) => {
        setArgs('sh', '-c', 'echo forked $(echo ok); unshare -U true 2>/dev/null; echo unshare $?')(c)
        c.linux.seccomp = dockerProfile() as Config['linux']['seccomp']
      })
      return runtime(bin, stateDir(), ['run', '-b', bundle, newId('seccomp')])
    })
    t.is(outs[0].code, 0, outs[0].stderr)
    t.is(outs[0].stdout, 'forked ok\nunshare 1\n')
    t.is(outs[0].stdout, outs[1].stdout, `runc: ${outs[1].stderr}`)
  },
)

test("update takes docker's document (zeros mean unset) and leaves device rules alone, as runc", (t) => {
  for (const [name, bin] of RUNTIMES) {
    const c = running(bin, t, (cfg) => {
      cfg.linux.resources = { ...cfg.linux.resources, memory: { limit: 64 << 20 } }
    })
    // What dockerd sends for `docker update --memory 96m`.
    const docker = {
      memory: { limit: 96 << 20, reservation: 0, swap: 0, kernel: 0, kernelTCP: 0 },
      cpu: { shares: 0, quota: 0, period: 0, realtimeRuntime: 0, realtimePeriod: 0, cpus: '', mems: '' },
      blockIO: { weight: 0 },
      pids: { limit: 0 },
    }
    const u = runtime(bin, c.state, ['update', '-r', '-', c.id], JSON.stringify(docker))
    t.is(u.code, 0, `${name}: ${u.stderr}`)
    const inside = (cmd: string) => runtime(bin, c.state, ['exec', c.id, 'sh', '-c', cmd])
    // The CRI's UpdateContainerResources (kubelet): a deny-all device rule among the limits.
    const cri = { devices: [{ allow: false, access: 'rwm' }], cpu: { shares: 512 }, memory: { limit: 128 << 20 } }
    const v = runtime(bin, c.state, ['update', '-r', '-', c.id], JSON.stringify(cri))
    t.is(v.code, 0, `${name}: ${v.stderr}`)
    const dev = inside('echo x > /dev/null && head -c 4 /dev/urandom | wc -c')
    t.is(dev.stdout.trim(), '4', `${name}: /dev/null and /dev/urandom after the CRI's update: ${dev.stderr}`)
    const ev = JSON.parse(runtime(bin, c.state, ['events', '--stats', c.id]).stdout) as { data: { memory: { usage: { limit: number } } } }
    t.is(ev.data.memory.usage.limit, 128 << 20, name)
  }
})

test('state says paused for a frozen container; pause, resume and exec refuse as runc does', (t) => {
  for (const [name, bin] of RUNTIMES) {
    const c = running(bin, t)
    const status = () => JSON.parse(runtime(bin, c.state, ['state', c.id]).stdout).status as string
    t.not(runtime(bin, c.state, ['resume', c.id]).code, 0, `${name}: resume of a running container`)
    t.is(runtime(bin, c.state, ['pause', c.id]).code, 0, name)
    t.is(status(), 'paused', name)
    t.not(runtime(bin, c.state, ['pause', c.id]).code, 0, `${name}: pause of a paused container`)
    const exec = runtime(bin, c.state, ['exec', c.id, 'true'])
    // 255: runc's exec status for its own failures (runc's suite checks it).
    t.is(exec.code, 255, `${name}: exec into a paused container: ${exec.stderr}`)
    t.regex(exec.stderr, /paused/, name)
    const listed = JSON.parse(runtime(bin, c.state, ['list', '--format', 'json']).stdout) as Array<{ id: string; status: string }>
    t.deepEqual(
      listed.map((l) => [l.id, l.status]),
      [[c.id, 'paused']],
      name,
    )
    t.is(runtime(bin, c.state, ['resume', c.id]).code, 0, name)
    t.is(status(), 'running', name)
  }
})

test("runc 1.1's exec flags: --preserve-fds, --cap, --no-new-privs, -g, --cwd, -e", (t) => {
  for (const [name, bin] of RUNTIMES) {
    const c = running(bin, t)
    const file = join(c.state, 'preserved')
    writeFileSync(file, 'hello from fd 3\n')
    const fd = openSync(file, 'r')
    try {
      // podman hands the process extra fds this way.
      const r = spawnSync(bin, ['--root', c.state, 'exec', '--preserve-fds', '1', c.id, 'cat', '/proc/self/fd/3'], {
        stdio: ['ignore', 'pipe', 'pipe', fd],
        encoding: 'utf8',
      })
      t.is(r.stdout, 'hello from fd 3\n', `${name}: ${r.stderr}`)
    } finally {
      closeSync(fd)
    }
    const flags = runtime(bin, c.state, [
      'exec',
      '--cap',
      'CAP_SYS_ADMIN',
      '--no-new-privs',
      '-u',
      '0:0',
      '-g',
      '1234',
      '--cwd',
      '/tmp',
      '-e',
      'FOO=bar',
      c.id,
      'sh',
      '-c',
      'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; id -G; pwd; echo $FOO',
    ])
    t.is(flags.code, 0, `${name}: ${flags.stderr}`)
    const lines = flags.stdout.trim().split('\n')
    t.true((BigInt(`0x${lines[0].split(/\s+/)[1]}`) & (1n << 21n)) !== 0n, `${name}: CAP_SYS_ADMIN in ${lines[0]}`)
    t.deepEqual(lines.slice(1), ['NoNewPrivs:\t1', '0 1234', '/tmp', 'bar'], name)
  }
})

test('exec --cgroup runs the process in an existing sub-cgroup of the container', (t) => {
  const c = running(TSC_RUNTIME, t, (cfg) => {
    cfg.linux.cgroupsPath = `/tsc-box-test/${newId('sub')}`
  })
  // The sub-cgroup, in every hierarchy of the container's cgroup (runc's PATH form).
  const cg = (JSON.parse(readFileSync(join(c.state, c.id, 'state.json'), 'utf8')) as { cgroup: { v1: Record<string, string>; unified?: string } }).cgroup
  const subs = [...new Set([...Object.values(cg.v1), ...(cg.unified ? [cg.unified] : [])])].map((d) => join(d, 'sub'))
  for (const d of subs) {
    mkdirSync(d)
    // A v1 cpuset starts empty; a task cannot join it until it has CPUs and memory nodes.
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (existsSync(join(d, f))) writeFileSync(join(d, f), readFileSync(join(d, '..', f)))
    }
  }
  const r = runtime(TSC_RUNTIME, c.state, ['exec', '--cgroup', 'sub', c.id, 'cat', '/proc/self/cgroup'])
  for (const d of subs) rmdirSync(d)
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /\/sub$/m)
  t.not(runtime(TSC_RUNTIME, c.state, ['exec', '--cgroup', '../x', c.id, 'true']).code, 0, 'a sub-cgroup out of the container')
  t.not(runtime(TSC_RUNTIME, c.state, ['exec', '--cgroup', 'nope', c.id, 'true']).code, 0, 'a sub-cgroup that does not exist')
})

test('list, spec, ps (table and JSON), kill --all and delete --force as runc prints and does them', (t) => {
  for (const [name, bin] of RUNTIMES) {
    const c = running(bin, t)
    const list = runtime(bin, c.state, ['list'])
    t.regex(list.stdout, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n/, name)
    t.regex(list.stdout, new RegExp(`^${c.id}\\s+\\d+\\s+running\\s`, 'm'), name)
    t.is(runtime(bin, c.state, ['list', '-q']).stdout, `${c.id}\n`, name)
    const pids = JSON.parse(runtime(bin, c.state, ['ps', '--format', 'json', c.id]).stdout) as number[]
    t.is(pids.length, 1, name)
    const table = runtime(bin, c.state, ['ps', c.id]).stdout.trim().split('\n')
    t.regex(table[0], /PID/, name)
    t.is(table.length, 2, `${name}: ${table.join('\n')}`)
    t.is(runtime(bin, c.state, ['kill', '--all', c.id, 'KILL']).code, 0, name)
    t.is(runtime(bin, c.state, ['delete', '--force', c.id]).code, 0, name)
    t.deepEqual(cgroupsNamed(c.id), [], name)
  }
  const dir = stateDir()
  t.is(runtime(TSC_RUNTIME, dir, ['spec', '-b', dir]).code, 0)
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config
  t.deepEqual(spec.process.args, ['sh'])
  const again = runtime(TSC_RUNTIME, dir, ['spec', '-b', dir])
  t.not(again.code, 0, 'an existing config.json is never replaced')
  t.regex(again.stderr, /exists/)
  const cp = runtime(TSC_RUNTIME, dir, ['checkpoint', '--image-path', dir, 'x'])
  t.not(cp.code, 0)
  t.regex(cp.stderr, /checkpoint and restore are not supported/)
})

test('run --keep leaves the stopped container for state and delete', (t) => {
  for (const [name, bin] of RUNTIMES) {
    const state = stateDir()
    const id = newId('keep')
    const r = runtime(bin, state, ['run', '--keep', '-b', makeBundle(setArgs('sh', '-c', 'exit 7')), id])
    t.is(r.code, 7, `${name}: ${r.stderr}`)
    t.is(JSON.parse(runtime(bin, state, ['state', id]).stdout).status, 'stopped', name)
    t.is(runtime(bin, state, ['delete', id]).code, 0, name)
    t.not(runtime(bin, state, ['state', id]).code, 0, name)
    t.deepEqual(cgroupsNamed(id), [], name)
  }
})

test("exec failures exit 255 as runc's, with the phrases docker maps to 127 and 126 and the log kind", (t) => {
  const cases: Array<[string[], RegExp, string]> = [
    [['no-such-cmd'], /executable file not found in \$PATH/, 'not_found'],
    [['/no/such/file'], /no such file or directory/, 'not_found'],
    [['/etc/passwd'], /permission denied/, 'permission'],
  ]
  for (const [name, bin] of RUNTIMES) {
    const c = running(bin, t)
    for (const [cmd, phrase, kind] of cases) {
      const log = join(c.state, `exec-${kind}-${cmd[0].length}.log`)
      const r = runtime(bin, c.state, ['--log', log, '--log-format', 'json', 'exec', c.id, ...cmd])
      // The exit status is exec's own (255); engines map the message's phrase to 127/126.
      t.is(r.code, 255, `${name} ${cmd[0]}: ${r.stderr}`)
      if (bin !== TSC_RUNTIME) continue
      t.regex(r.stderr, phrase)
      const line = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').pop() ?? '{}') as { kind: string; msg: string }
      t.is(line.kind, kind)
      t.regex(line.msg, phrase)
    }
    // Nothing to exec into, and a pid file that cannot be written: 255 too.
    t.is(runtime(bin, c.state, ['exec', 'no-such-container', 'true']).code, 255, name)
    t.is(runtime(bin, c.state, ['exec', '--pid-file', '/non-existent/directory', c.id, 'true']).code, 255, name)
  }
})

const hostCaps = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'}`)
const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'))
const CAP_NAMES: Record<number, string> = { 24: 'CAP_SYS_RESOURCE', 25: 'CAP_SYS_TIME', 27: 'CAP_MKNOD', 38: 'CAP_PERFMON', 39: 'CAP_BPF' }
const missingCap = Object.entries(CAP_NAMES).find(([bit]) => Number(bit) <= lastCap && (hostCaps & (1n << BigInt(bit))) === 0n)?.[1]

// runc 1.1 is no baseline: it fails with a bare EPERM from capset there.
serialIf(missingCap !== undefined, "the host's bounding set has every capability this test knows")(
  "a capability the host's bounding set lacks is left out with a warning in create's --log (docker --privileged runs)",
  (t) => {
    const bundle = makeBundle((c) => {
      setArgs('sh', '-c', 'grep CapEff /proc/self/status')(c)
      for (const set of ['bounding', 'effective', 'permitted'] as const) c.process.capabilities[set].push(missingCap as never)
    })
    const c = create(TSC_RUNTIME, bundle, t)
    t.is(c.code, 0, logOf(c))
    t.regex(logOf(c), new RegExp(`"level":"warning".*${missingCap}.*cannot be granted`))
    const s = runtime(TSC_RUNTIME, c.state, ['start', c.id])
    t.is(s.code, 0, s.stderr)
  },
)

test("a working directory the user may not enter fails create, with runc's wording in --log", (t) => {
  const bundle = makeBundle((c) => {
    setArgs('true')(c)
    c.process.user = { uid: 1000, gid: 1000 }
    c.process.cwd = '/root/private'
  })
  mkdirSync(join(bundle, 'rootfs/root/private'), { recursive: true })
  chmodSync(join(bundle, 'rootfs/root'), 0o700)
  const c = create(TSC_RUNTIME, bundle, t)
  t.not(c.code, 0)
  t.regex(logOf(c), /chdir to cwd \(\\"\/root\/private\\"\) set in config.json failed: permission denied/)
})

test('what fails only at start (execve) is reported by start, not by a silent exit of the container', (t) => {
  const bundle = makeBundle((c) => {
    setArgs('/bin/prog')(c)
    c.root.readonly = false
  })
  const prog = join(bundle, 'rootfs/bin/prog')
  writeFileSync(prog, '#!/bin/sh\necho hi\n', { mode: 0o755 })
  const c = create(TSC_RUNTIME, bundle, t)
  t.is(c.code, 0, logOf(c))
  // The program stops being executable between create and start.
  chmodSync(prog, 0o644)
  const s = runtime(TSC_RUNTIME, c.state, ['--log', c.log, '--log-format', 'json', 'start', c.id])
  t.not(s.code, 0)
  t.regex(s.stderr, /permission denied/)
  t.regex(logOf(c), /"kind":"permission"/)
})

test('memory.kernel and kernelTCP are ignored with a warning in the log, not refused', (t) => {
  for (const [name, bin] of RUNTIMES) {
    const bundle = makeBundle((c) => {
      setArgs('true')(c)
      c.linux.resources = { ...c.linux.resources, memory: { limit: 64 << 20, kernel: 32 << 20, kernelTCP: 16 << 20 } }
    })
    const c = create(bin, bundle, t)
    t.is(c.code, 0, `${name}: ${logOf(c)}`)
    t.regex(logOf(c), /[Kk]ernel memory/, name)
  }
})

test('linux.mountLabel is accepted and the log says it is ignored (no SELinux labels are applied)', (t) => {
  const bundle = makeBundle((c) => {
    setArgs('true')(c)
    c.linux.mountLabel = 'system_u:object_r:container_file_t:s0:c1,c2'
  })
  const c = create(TSC_RUNTIME, bundle, t)
  t.is(c.code, 0, logOf(c))
  t.regex(logOf(c), /"level":"warning".*mountLabel is ignored/)
})

// runc 1.1 is no baseline here: it stops at the first failing poststart hook and kills the
// container, where runtime.md says the remaining hooks and the lifecycle go on.
test('after a failing poststart hook the remaining ones still run, and the failure is logged', (t) => {
  for (const [name, bin] of [RUNTIMES[0]]) {
    const marks = stateDir()
    const bundle = makeBundle((c) => {
      setArgs('sleep', '300')(c)
      c.hooks = {
        poststart: [
          { path: '/bin/sh', args: ['sh', '-c', 'exit 3'] },
          { path: '/bin/sh', args: ['sh', '-c', `touch ${marks}/second`] },
        ],
      }
    })
    const c = create(bin, bundle, t)
    t.is(c.code, 0, logOf(c))
    const s = runtime(bin, c.state, ['--log', c.log, '--log-format', 'json', 'start', c.id])
    t.is(s.code, 0, s.stderr)
    t.is(JSON.parse(runtime(bin, c.state, ['state', c.id]).stdout).status, 'running', name)
    t.true(existsSync(join(marks, 'second')), `${name}: the second poststart hook ran`)
    t.regex(logOf(c), /poststart|exit status 3/, name)
    rmSync(marks, { recursive: true, force: true })
  }
})

test('a hostname in a uts namespace joined by path is set there, as runc does', (t) => {
  // A pod: the sandbox's uts namespace, joined by the container with the pod's hostname.
  for (const [name, bin] of RUNTIMES) {
    const sandbox = running(bin, t, (c) => {
      c.hostname = 'pod-host'
    })
    const pid = JSON.parse(runtime(bin, sandbox.state, ['state', sandbox.id]).stdout).pid as number
    const bundle = makeBundle((c) => {
      setArgs('hostname')(c)
      c.hostname = 'pod-host'
      c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'uts' ? { type: 'uts', path: `/proc/${pid}/ns/uts` } : n))
    })
    const r = runtime(bin, stateDir(), ['run', '-b', bundle, newId('uts')])
    t.is(r.code, 0, `${name}: ${r.stderr}`)
    t.is(r.stdout, 'pod-host\n', name)
  }
})

const v1Memory = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')

serialIf(v1Memory, 'needs a cgroup v1 memory hierarchy (the v2 lane checks the unified one)')(
  "without a cgroup namespace, /sys/fs/cgroup/<controller> is the container's own cgroup, read-only, as under runc",
  (t) => {
    for (const [name, bin] of RUNTIMES) {
      const bundle = makeBundle((c) => {
        // The host's root has no limit: reading 48 MiB there means the container's own cgroup.
        setArgs('sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; echo 1 > /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null; echo $?')(c)
        c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'cgroup')
        c.linux.resources = { ...c.linux.resources, memory: { limit: 48 << 20 } }
      })
      const r = runtime(bin, stateDir(), ['run', '-b', bundle, newId('cgv1')])
      t.is(r.code, 0, `${name}: ${r.stderr}`)
      t.deepEqual(r.stdout.trim().split('\n'), [String(48 << 20), '1'], name)
    }
  },
)

serialIf(!v1Memory, 'pure cgroup v2 only (this host has v1 memory)')(
  "without a cgroup namespace on v2, /sys/fs/cgroup is the container's own cgroup (/proc/self/cgroup names it)",
  (t) => {
    const bundle = makeBundle((c) => {
      setArgs('sh', '-c', 'cat /sys/fs/cgroup/memory.max; cat /proc/self/cgroup')(c)
      c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'cgroup')
      c.linux.resources = { ...c.linux.resources, memory: { limit: 48 << 20 } }
    })
    const id = newId('cgv2')
    const r = runtime(TSC_RUNTIME, stateDir(), ['run', '-b', bundle, id])
    t.is(r.code, 0, r.stderr)
    const [limit, own] = r.stdout.trim().split('\n')
    t.is(limit, String(48 << 20))
    t.regex(own ?? '', new RegExp(`^0::/.*${id}$`))
  },
)

test('a bind source relative to the bundle is read there, as runc reads it (config.md)', (t) => {
  for (const [name, bin] of RUNTIMES) {
    const bundle = makeBundle((c) => {
      setArgs('cat', '/data/f')(c)
      c.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro'] })
    })
    mkdirSync(join(bundle, 'data'))
    writeFileSync(join(bundle, 'data', 'f'), `in the bundle for ${name}\n`)
    const state = stateDir()
    const id = newId('rel')
    // From another working directory: the source is the bundle's, never the caller's.
    const r = spawnSync(bin, ['--root', state, 'run', '-b', bundle, id], { encoding: 'utf8', cwd: '/', timeout: 30_000 })
    runtime(bin, state, ['delete', '--force', id])
    t.is(r.status, 0, `${name}: ${r.stderr}`)
    t.is(r.stdout, `in the bundle for ${name}\n`, name)
  }
})

test('kill ID 0 says whether the container runs, as with runc', (t) => {
  for (const [name, bin] of RUNTIMES) {
    const c = running(bin, t)
    const alive = runtime(bin, c.state, ['kill', c.id, '0'])
    t.is(alive.code, 0, `${name}: ${alive.stderr}`)
    t.is(JSON.parse(runtime(bin, c.state, ['state', c.id]).stdout).status, 'running', `${name}: signal 0 delivers nothing`)
    t.is(runtime(bin, c.state, ['kill', c.id, 'KILL']).code, 0, name)
  }
})

test('exec into a created container runs in its namespaces before start, as runc does', (t) => {
  for (const [name, bin] of RUNTIMES) {
    const bundle = makeBundle(setArgs('sleep', '300'))
    const c = create(bin, bundle, t)
    t.is(c.code, 0, `${name}: ${logOf(c)}`)
    const r = runtime(bin, c.state, ['exec', c.id, 'sh', '-c', 'cat /proc/self/cgroup; readlink /proc/self/ns/cgroup'])
    t.is(r.code, 0, `${name}: ${r.stderr}`)
    const lines = r.stdout.trim().split('\n')
    const own = lines.pop()
    const cgroup = lines.join('\n')
    // Its cgroup shows the container's path, or (v2 with a cgroup namespace, as tsc-box
    // gives) the root of the init's own cgroup namespace, which is the container's cgroup.
    if (!cgroup.includes(c.id)) {
      const pid = JSON.parse(runtime(bin, c.state, ['state', c.id]).stdout).pid as number
      t.is(own, readlinkSync(`/proc/${pid}/ns/cgroup`), `${name}: in the init's cgroup namespace`)
      t.not(own, readlinkSync('/proc/self/ns/cgroup'), `${name}: not the host's`)
      t.regex(cgroup, /^0::\/$/, `${name}: at its root`)
    }
    t.is(JSON.parse(runtime(bin, c.state, ['state', c.id]).stdout).status, 'created', `${name}: exec does not start it`)
    t.is(runtime(bin, c.state, ['start', c.id]).code, 0, name)
  }
})

// cgroup v1's freezer, or v2's cgroup.freeze: the place runc's suite freezes.
const freezerRoot = existsSync('/sys/fs/cgroup/freezer/cgroup.procs') ? '/sys/fs/cgroup/freezer' : '/sys/fs/cgroup'
const freezeFile = freezerRoot.endsWith('/freezer') ? ['freezer.state', 'FROZEN', 'THAWED'] : ['cgroup.freeze', '1', '0']

test('create refuses a cgroup frozen beforehand, in runc words, instead of hanging in it', (t) => {
  for (const [name, bin] of RUNTIMES) {
    const cg = newId('frozen')
    const dir = join(freezerRoot, cg)
    mkdirSync(dir)
    writeFileSync(join(dir, freezeFile[0]), freezeFile[1])
    t.teardown(() => {
      for (const d of cgroupsNamed(cg)) {
        try {
          if (existsSync(join(d, freezeFile[0]))) writeFileSync(join(d, freezeFile[0]), freezeFile[2])
          rmdirSync(d)
        } catch {}
      }
    })
    const bundle = makeBundle((c) => {
      setArgs('true')(c)
      c.linux.cgroupsPath = `/${cg}`
    })
    const c = create(bin, bundle, t)
    t.is(c.code, 1, `${name}: exits at once, not stuck (null = killed by the timeout): ${logOf(c)}`)
    t.regex(logOf(c), /container's cgroup unexpectedly frozen/, name)
    if (bin === TSC_RUNTIME) t.true(existsSync(dir), "someone else's cgroup stays")
  }
})

// v2 writes period and quota together (cpu.max); v1 has two files, written one at a time.
serialIf(existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), 'cgroup v1 cpu controller only (v2 writes cpu.max at once)')(
  "update to a shorter period under a parent with a quota succeeds (the period is retried after the quota), as runc's",
  (t) => {
    for (const [name, bin] of RUNTIMES) {
      const pod = newId('pod')
      const parent = `/sys/fs/cgroup/cpu/${pod}`
      mkdirSync(parent)
      writeFileSync(join(parent, 'cpu.cfs_quota_us'), '50000')
      t.teardown(() => {
        for (const d of cgroupsNamed(pod).sort().reverse()) {
          try {
            rmdirSync(d)
          } catch {}
        }
      })
      // Half a CPU, as the parent: at a period of 10 ms the old quota would be 5 CPUs.
      const c = running(bin, t, (cfg) => {
        cfg.linux.cgroupsPath = `/${pod}/ct`
        ;(cfg.linux as { resources?: object }).resources = { cpu: { quota: 500000, period: 1000000 } }
      })
      const r = runtime(bin, c.state, ['update', '--cpu-period', '10000', '--cpu-quota', '3000', c.id])
      t.is(r.code, 0, `${name}: ${r.stderr}`)
      t.is(readFileSync(join(parent, 'ct', 'cpu.cfs_period_us'), 'utf8').trim(), '10000', name)
      t.is(readFileSync(join(parent, 'ct', 'cpu.cfs_quota_us'), 'utf8').trim(), '3000', name)
    }
  },
)
