// The path Kubernetes takes: kubelet -> CRI -> containerd's CRI plugin -> io.containerd.runc.v2
// shim -> the OCI runtime of the pod's RuntimeClass handler. Here crictl plays kubelet against a
// containerd of the test's own, with two handlers: `runc` (the baseline) and `tsc-box-runtime`
// (runc options with BinaryName set to tsc-box-runtime, as docs/engines.md tells users to). The
// pod network is CNI's bridge plugin from Debian's containernetworking-plugins, with its own conf
// dir, a bridge named for this test (removed after) and no firewall rules or IP forwarding (no
// masquerade, no gateway). The pause image is a static C program built here.
import test, { type ExecutionContext } from 'ava'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { serialIf } from './helpers/conditional'
import {
  type Containerd,
  hostLinks,
  nftChains,
  processesMentioning,
  RUNTIME,
  removeParentCgroups,
  RUNTIMES,
  run,
  SHIM_SOCKET_ROOT,
  startContainerd,
  stopContainerd,
  topCgroups,
  until,
  which,
} from './helpers/engines'
import { mountsUnder } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'
import { staticProgram } from './helpers/static-c'
import { makeArchive } from './image-fixtures'

/** Where .ci/build-crictl caches the crictl it builds from the Go module proxy. */
const CRICTL_VERSION = 'v1.34.0'
const CRICTL = [
  process.env.CRICTL,
  join(process.env.TSC_BOX_CACHE ?? join(homedir(), '.cache/tsc-box'), `crictl-${CRICTL_VERSION}`, 'crictl'),
  which('crictl'),
].find((p): p is string => !!p && existsSync(p))
const CNI_BIN = '/usr/lib/cni'
const IMAGE = 'localhost/tsc-box-e2e/busybox:latest'
const PAUSE = 'localhost/tsc-box-e2e/pause:latest'
const NS = 'k8s.io' // the CRI plugin's containerd namespace
const PARENT = `tsc-box-e2e-cri-${process.pid}` // the pods' cgroup parent, as kubelet's kubepods
// A bridge name of at most 15 characters, unique to this test process.
const BRIDGE = `tbcri${process.pid % 100000}`
// 10.x.y.0/24 in a block unlikely to be used by the host or the other network tests.
const SUBNET = `10.${200 + (process.pid % 50)}.${process.pid % 250}.0/24`

const missing = ['containerd', 'containerd-shim-runc-v2', 'runc', 'gcc'].filter((b) => !which(b))
if (!existsSync(join(CNI_BIN, 'bridge'))) missing.push('containernetworking-plugins')
const reason =
  process.getuid?.() !== 0
    ? 'needs root'
    : missing.length
      ? `not installed: ${missing.join(', ')}`
      : `crictl ${CRICTL_VERSION} not built: run .ci/build-crictl (or set CRICTL)`
const scenario = serialIf(process.getuid?.() === 0 && missing.length === 0 && !!CRICTL, reason)

let ctd: Containerd
let work: string
const runContainerdExisted = existsSync(SHIM_SOCKET_ROOT)
const varLibCniExisted = existsSync('/var/lib/cni')
let nftBefore: string[] = []

const criToml = (dir: string) => {
  const handler = (name: string, bin: string) =>
    [
      `    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes."${name}"]`,
      '      runtime_type = "io.containerd.runc.v2"',
      `      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes."${name}".options]`,
      `        BinaryName = "${bin}"`,
      `        Root = "${join(dir, `runtime-${name}`)}"`,
    ].join('\n')
  return [
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = "${PAUSE}"`,
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_selinux = false',
    // The pods' network namespaces under containerd's state dir, not the host's /run/netns.
    '  netns_mounts_under_state_dir = true',
    // Pods ask for an oom_score_adj below the caller's (-998 for the sandbox); a host whose
    // test process may not lower it (a container, a sandbox) would refuse every pod.
    '  restrict_oom_score_adj = true',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    handler('runc', 'runc'),
    handler('tsc-box-runtime', RUNTIME),
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    `    bin_dir = "${CNI_BIN}"`,
    `    conf_dir = "${join(dir, 'cni')}"`,
    '    max_conf_num = 1',
  ].join('\n')
}

/** crictl's own config (without one it warns on every call, into the logs compared). */
const crictlArgs = () => ['--config', join(ctd.dir, 'crictl.yaml')]

function crictl(args: string[], timeout = 90_000) {
  return run(CRICTL!, [...crictlArgs(), ...args], { timeout })
}

const PAUSE_C = `
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
/* A pod's pause process: holds the namespaces, reaps the pod's orphans (it is pid 1 of a shared
 * pid namespace), exits on SIGTERM or SIGINT. */
static void done(int s) { (void)s; _exit(0); }
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
int main(void) {
  signal(SIGTERM, done);
  signal(SIGINT, done);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
`

test.before(async () => {
  if (process.getuid?.() !== 0 || missing.length || !CRICTL) return
  nftBefore = nftChains()
  ctd = await startContainerd({ ns: NS, criToml })
  work = mkdtempSync(join(ctd.dir, 'work-'))
  writeFileSync(join(ctd.dir, 'crictl.yaml'), `runtime-endpoint: unix://${ctd.socket}\nimage-endpoint: unix://${ctd.socket}\ntimeout: 60\n`)
  mkdirSync(join(ctd.dir, 'cni'), { recursive: true })
  writeFileSync(
    join(ctd.dir, 'cni', '10-tsc-box-e2e.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name: BRIDGE,
      plugins: [
        {
          type: 'bridge',
          bridge: BRIDGE,
          isGateway: false,
          ipMasq: false,
          ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET }]], dataDir: join(ctd.dir, 'ipam') },
        },
        { type: 'loopback' },
      ],
    }),
  )
  const pauseDir = mkdtempSync(join(ctd.dir, 'pause-'))
  writeFileSync(join(pauseDir, 'pause'), readFileSync(staticProgram('pause', PAUSE_C)), { mode: 0o755 })
  for (const [archive, name] of [
    [makeArchive({ dir: makeRootfs(), name: IMAGE, config: { Cmd: ['sh'], Env: ['PATH=/bin'] } }), IMAGE],
    [makeArchive({ dir: pauseDir, name: PAUSE, config: { Entrypoint: ['/pause'] } }), PAUSE],
  ] as const) {
    const r = ctd.ctr(['image', 'import', archive], { timeout: 120_000 })
    if (r.code !== 0) throw new Error(`import ${name}: ${r.stderr}`)
  }
})

test.after.always(async (t) => {
  if (!ctd) return
  if (process.env.DBG_KEEP) {
    console.log(run('tail', ['-n', '60', ctd.log]).stdout)
  }
  // Pods a failed scenario left: removed through the CRI, as kubelet would.
  for (const p of crictl(['pods', '-q']).stdout.split('\n').filter(Boolean)) {
    crictl(['stopp', p])
    crictl(['rmp', '-f', p])
  }
  // The pods' veths hang on the bridge: none may be left once the pods are gone.
  const vethsLeft = hostLinks().includes(BRIDGE) ? run('ip', ['-o', 'link', 'show', 'master', BRIDGE]).stdout.trim() : ''
  const bridgeLeft = hostLinks().includes(BRIDGE)
  // The bridge plugin never removes its bridge (kubelet's hosts keep theirs): the test does.
  if (bridgeLeft) run('ip', ['link', 'del', BRIDGE])
  const left = await stopContainerd(ctd, runContainerdExisted)
  t.deepEqual(left, { shims: [], mounts: [], cgroups: [] }, 'containerd and the runtimes left nothing behind')
  // The pods' parent cgroups are kubelet's to remove (the test's here); the containers' own,
  // below them, were the runtime's.
  const below = removeParentCgroups(PARENT).filter((p) => !/\/pod-[^/]+$/.test(p))
  t.deepEqual(below, [], 'no container cgroup is left below the pods')
  t.deepEqual(topCgroups(PARENT), [], 'the pods parent cgroups are removed')
  // libcni's result cache, made by this test: removed when empty (podman's CNI may share it).
  if (!varLibCniExisted) run('sh', ['-c', 'rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null; true'])
  t.is(vethsLeft, '', 'no veth of the pods is left on the bridge')
  t.false(hostLinks().includes(BRIDGE), 'the bridge is removed')
  // No masquerade, no gateway, no portmap: CNI has no firewall rule to make (nor IP forwarding to turn on).
  t.deepEqual(nftChains(), nftBefore, 'CNI changed no firewall rule')
})

let podSeq = 0

/** A pod sandbox config: the handler's pods get their own cgroup parent below the test's. */
function podConfig(rt: string, n: number) {
  const name = `${rt}-${n}`
  const logs = join(work, 'logs', name)
  mkdirSync(logs, { recursive: true })
  const file = join(work, `pod-${name}.json`)
  writeFileSync(
    file,
    JSON.stringify({
      metadata: { name, namespace: 'default', uid: `uid-${name}-${process.pid}`, attempt: 0 },
      hostname: `pod-${n}`,
      log_directory: logs,
      linux: {
        cgroup_parent: `/${PARENT}/pod-${name}`,
        // namespace_options.pid 0 = POD: the pod's containers share one pid namespace.
        security_context: { namespace_options: { pid: 0 } },
      },
    }),
  )
  return file
}

/** seccomp profile_type: 0 RuntimeDefault (containerd's default profile), 1 Unconfined. */
function containerConfig(name: string, command: string[], seccomp: 0 | 1 = 1) {
  const file = join(work, `ctr-${name}-${++podSeq}.json`)
  writeFileSync(
    file,
    JSON.stringify({
      metadata: { name },
      image: { image: IMAGE },
      command,
      log_path: `${name}.log`,
      linux: {
        resources: { memory_limit_in_bytes: 64 << 20, cpu_period: 100000, cpu_quota: 50000 },
        security_context: { seccomp: { profile_type: seccomp }, namespace_options: { pid: 0 } },
      },
    }),
  )
  return file
}

/** A CRI call that must succeed for the scenario to go on: its failure ends the scenario. */
const ok = (_t: ExecutionContext, r: { code: number | null; stderr: string }, what: string) => {
  if (r.code !== 0)
    throw new Error(
      `${what} failed: ${r.stderr
        .split('\n')
        .filter((l) => !/crictl.yaml/.test(l))
        .join('\n')}`,
    )
}

/** A pod's whole life under one handler; returns what was seen, to compare with runc's. */
async function podLife(t: ExecutionContext, rt: (typeof RUNTIMES)[number], n: number) {
  const seen: Record<string, unknown> = {}
  const podFile = podConfig(rt.name, n)
  const runp = crictl(['runp', '--runtime', rt.name, podFile])
  ok(t, runp, `${rt.name} runp`)
  const pod = runp.stdout.trim()
  try {
    return await inPod(t, rt, pod, podFile, seen)
  } catch (e) {
    // The pod goes, as kubelet would remove it, so the next scenarios start clean.
    crictl(['stopp', pod])
    crictl(['rmp', '-f', pod])
    throw e
  }
}

async function inPod(t: ExecutionContext, rt: (typeof RUNTIMES)[number], pod: string, podFile: string, seen: Record<string, unknown>) {
  seen.podReady = /SANDBOX_READY/.test(crictl(['inspectp', pod]).stdout)

  const cfile = containerConfig('main', ['sh', '-c', 'echo hello-log; echo err-log >&2; exec sleep 1000'])
  const create = crictl(['create', pod, cfile, podFile])
  ok(t, create, `${rt.name} create`)
  const cid = create.stdout.trim()
  ok(t, crictl(['start', cid]), `${rt.name} start`)
  seen.running = await until(() => /CONTAINER_RUNNING/.test(crictl(['inspect', cid]).stdout))

  // ExecSync, as kubelet's probes call it (crictl pads its output with blank lines).
  const exec = (cmd: string) => {
    const r = crictl(['exec', '-s', cid, 'sh', '-c', cmd])
    return { code: r.code, out: `${r.stdout.trimEnd()}\n` }
  }
  // A streaming exec (the one kubectl exec uses): its exit status, and stdin.
  const streamExec = (cmd: string, input = '') => {
    const r = run(CRICTL!, [...crictlArgs(), 'exec', '-i', cid, 'sh', '-c', cmd], { input })
    return { code: r.code, out: r.stdout }
  }
  seen.execStatus = streamExec('echo in-exec; exit 3')
  seen.streamExec = streamExec('read line; echo got-$line', 'x\n')
  seen.hostname = exec('hostname').out
  // One pid namespace for the pod: the pause process is its pid 1.
  seen.sharedPid = exec('cat /proc/1/cmdline | tr "\\0" " "; echo').out
  // The limit the pod spec set, read where programs read it (issue #12 point 3 on cgroup v1).
  seen.memoryLimit = exec('cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max').out
  seen.cpuQuota = exec('cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max').out

  await until(() => crictl(['logs', cid]).stdout.includes('hello-log'))
  const logs = crictl(['logs', cid])
  seen.logs = { out: logs.stdout, err: logs.stderr }

  const stats = JSON.parse(crictl(['stats', '-o', 'json', '--id', cid]).stdout || '{}') as {
    stats?: Array<{ memory?: { workingSetBytes?: { value?: string } }; cpu?: { usageCoreNanoSeconds?: { value?: string } } }>
  }
  const s = stats.stats?.[0]
  seen.stats = { memory: Number(s?.memory?.workingSetBytes?.value ?? 0) > 0, cpu: s?.cpu?.usageCoreNanoSeconds !== undefined }

  // kubelet's UpdateContainerResources (issue #12 point 2): the new limit shows inside, and the
  // container's devices stay usable.
  seen.update = crictl(['update', '--memory', String(96 << 20), '--cpu-quota', '20000', cid]).code
  seen.memoryAfterUpdate = exec('cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max').out
  seen.devicesAfterUpdate = exec('head -c 4 /dev/urandom | wc -c; echo x > /dev/null && echo null-ok; : < /dev/zero && echo zero-ok').out

  ok(t, crictl(['stop', '--timeout', '2', cid]), `${rt.name} stop`)
  const inspect = JSON.parse(crictl(['inspect', '-o', 'json', cid]).stdout) as { status: { state: string; exitCode: number } }
  seen.stopped = { state: inspect.status.state, exitCode: inspect.status.exitCode }
  ok(t, crictl(['rm', cid]), `${rt.name} rm`)

  // A container that exits by itself, with its status; seccomp RuntimeDefault, as pods with
  // securityContext.seccompProfile RuntimeDefault (or kubelet's SeccompDefault) ask for:
  // containerd's default profile has masked compares with no valueTwo (issue #12 point 1).
  const quick = crictl(['create', pod, containerConfig('quick', ['sh', '-c', "grep '^Seccomp:' /proc/self/status; exit 42"], 0), podFile])
  ok(t, quick, `${rt.name} create quick`)
  const qid = quick.stdout.trim()
  // A failed start is an observation here (compared with runc's), not the end of the scenario.
  const started = crictl(['start', qid])
  if (started.code === 0) {
    await until(() => /CONTAINER_EXITED/.test(crictl(['inspect', qid]).stdout))
    seen.quickExit = (JSON.parse(crictl(['inspect', '-o', 'json', qid]).stdout) as { status: { exitCode: number } }).status.exitCode
    seen.quickLogs = crictl(['logs', qid]).stdout
  } else seen.quickExit = `start failed: ${/desc = (.*?)"/.exec(started.stderr)?.[1] ?? started.stderr}`
  ok(t, crictl(['rm', '-f', qid]), `${rt.name} rm quick`)

  ok(t, crictl(['stopp', pod]), `${rt.name} stopp`)
  ok(t, crictl(['rmp', pod]), `${rt.name} rmp`)
  await until(() => processesMentioning(pod).length === 0, 10_000)
  seen.left = {
    shims: processesMentioning(pod),
    mounts: mountsUnder(ctd.dir).filter((m) => m.includes(pod) || m.includes(cid)),
    runtimeState: existsSync(join(ctd.runtimeRoot(rt.name), NS, cid)),
  }
  return seen
}

scenario('a pod under the tsc-box-runtime handler lives as under runc: create, start, exec, logs, stats, update, stop, remove', async (t) => {
  t.timeout(5 * 60_000)
  const base = await podLife(t, RUNTIMES[0]!, 1)
  t.like(base, {
    podReady: true,
    running: true,
    execStatus: { code: 1, out: 'in-exec\n' }, // crictl exits 1 for any failed command
    hostname: 'pod-1\n',
    sharedPid: '/pause\n',
    memoryLimit: `${64 << 20}\n`,
    cpuQuota: '50000\n',
    streamExec: { code: 0, out: 'got-x\n' },
    stats: { memory: true, cpu: true },
    update: 0,
    memoryAfterUpdate: `${96 << 20}\n`,
    devicesAfterUpdate: '4\nnull-ok\nzero-ok\n',
    quickExit: 42,
    quickLogs: 'Seccomp:\t2\n',
  })
  const ours = await podLife(t, RUNTIMES[1]!, 1)
  t.deepEqual(ours, base)
})

scenario('nothing of the pods is left: no shim, no mount, no container cgroup below the pods parent', (t) => {
  t.is(crictl(['ps', '-a', '-q']).stdout.trim(), '')
  t.is(crictl(['pods', '-q']).stdout.trim(), '')
  t.deepEqual(mountsUnder(join(ctd.dir, 'state')), [])
  const below = (run('find', ['/sys/fs/cgroup', '-maxdepth', '3', '-type', 'd', '-path', `*/${PARENT}/*`]).stdout.trim() || '').split('\n').filter(Boolean)
  t.deepEqual(
    below.filter((p) => !/\/pod-[^/]+$/.test(p)),
    [],
    'only the (empty) pod parents kubelet would remove remain',
  )
})
