// Issue 6: the supervision of a detached container (the monitor's resident memory against
// podman's conmon), `run -d` + `rm -f` cycles and `exec` latency against podman.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { compare, report, works, type Command } from '../measure'
import { busyboxRootfs, CLI, tempDir } from '../fixtures'

/** Rss of a process in KiB (smaps_rollup: what VmRSS says, from the page tables). */
function rssKiB(pid: number): number {
  return Number(/^Rss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))![1])
}

const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

export function lifecycle(runs: number) {
  const rootfs = busyboxRootfs()
  const dataRoot = tempDir('tsc-box-bench-lc-')
  // --root right after the verb: after the container, exec's arguments belong to the command.
  // The executable bin/run.js as a user's shell runs it (its sh lines hand exec to the
  // runtime's native front door, everything else to Node).
  const tscArgv = (verb: string, ...args: string[]) => [CLI, verb, '--root', dataRoot, ...args]
  const tsc = (verb: string, ...args: string[]) => tscArgv(verb, ...args).join(' ')
  const pdir = tempDir('tsc-box-bench-podman-lc-')
  // cgroupfs: no systemd here; runc: crun refuses hybrid cgroup hosts; ulimits: podman's
  // defaults exceed this host's hard limits.
  const podman = ['podman', '--root', join(pdir, 'root'), '--runroot', join(pdir, 'run'), '--cgroup-manager=cgroupfs', '--runtime', 'runc']
  const prun = [...podman, 'run', '-d', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--rootfs', rootfs]
  const havePodman = spawnSync('podman', ['--version']).status === 0

  // Resident memory of the supervision of one idle container.
  const ours = execFileSync(CLI, ['run', '-d', '--root', dataRoot, '--rootfs', rootfs, 'sleep', '100000'], { encoding: 'utf8' }).trim()
  sleepMs(1000)
  const monitorPid = JSON.parse(readFileSync(join(dataRoot, 'containers', ours, 'status.json'), 'utf8')).monitorPid as number
  const monitorRss = rssKiB(monitorPid)
  let conmonRss: number | undefined
  let theirs: string | undefined
  if (havePodman) {
    const r = spawnSync(prun[0]!, [...prun.slice(1), 'sleep', '100000'], { encoding: 'utf8' })
    if (r.status === 0) {
      theirs = r.stdout.trim()
      sleepMs(1000)
      const conmon = Number(execFileSync(podman[0]!, [...podman.slice(1), 'inspect', '--format', '{{.State.ConmonPid}}', theirs], { encoding: 'utf8' }).trim())
      conmonRss = rssKiB(conmon)
    } else console.log(`  podman left out: ${r.stderr.trim().split('\n')[0]}`)
  } else console.log('  podman left out: not installed')
  console.log('\n## lifecycle: resident memory supervising one idle detached container')
  console.log(
    `  tsc-box monitor (tsc-box-runtime)                Rss ${String(monitorRss).padStart(6)} KiB  (target <= 1024 KiB: ${monitorRss <= 1024 ? 'met' : 'NOT met'})`,
  )
  if (conmonRss !== undefined) {
    console.log(`  podman conmon                                    Rss ${String(conmonRss).padStart(6)} KiB`)
    console.log(`  ratio monitor / conmon: ${(monitorRss / conmonRss).toFixed(2)}x`)
  }

  // exec latency into those two containers.
  const execs: Command[] = [{ label: 'tsc-box exec ID true', argv: tscArgv('exec', ours, 'true') }]
  if (theirs) execs.push({ label: 'podman exec ID true', argv: [...podman, 'exec', theirs, 'true'] })
  report('lifecycle: exec into a running container', compare(execs, runs), [['tsc-box exec ID true', 'podman exec ID true', 0.3]])

  // The commands issue 16 made native (start, restart, stats --no-stream, top, info), on those
  // two running containers, against podman's same command. start needs a stopped container:
  // it is timed with the stop before it (both sides alike, -t 0: SIGKILL at once).
  const both = (label: string, ours: string[], theirs?: string[]): Command[] => [
    { label: `tsc-box ${label}`, argv: ours },
    ...(theirs ? [{ label: `podman ${label}`, argv: theirs }] : []),
  ]
  const pc = (...a: string[]) => (theirs ? [...podman, ...a] : undefined)
  const sh = (...cmds: (string[] | undefined)[]) => (cmds.every((c) => c) ? ['sh', '-c', cmds.map((c) => c!.join(' ')).join(' >/dev/null && ')] : undefined)
  const verbs: Array<[string, string[], string[] | undefined]> = [
    ['top ID', tscArgv('top', ours), pc('top', theirs ?? '')],
    ['stats --no-stream ID', tscArgv('stats', '--no-stream', ours), pc('stats', '--no-stream', theirs ?? '')],
    ['info', tscArgv('info'), pc('info')],
    ['restart -t 0 ID', tscArgv('restart', '-t', '0', ours), pc('restart', '-t', '0', theirs ?? '')],
    [
      'stop -t 0 ID && start ID',
      sh(tscArgv('stop', '-t', '0', ours), tscArgv('start', ours))!,
      sh(pc('stop', '-t', '0', theirs ?? ''), pc('start', theirs ?? '')),
    ],
  ]
  report(
    'lifecycle: start, restart, stats --no-stream, top, info (native front door) against podman',
    compare(
      verbs.flatMap(([l, o, t]) => both(l, o, t)),
      runs,
    ),
    verbs.map(([l]) => [`tsc-box ${l}`, `podman ${l}`, 1] as [string, string, number]),
  )

  // run -d + rm -f cycles, each a fresh container.
  const cycles: Command[] = [
    {
      label: 'tsc-box run -d + rm -f',
      argv: ['sh', '-c', `id=$(${tsc('run', '-d', '--rootfs', rootfs, 'sleep', '100000')}) && ${tsc('rm', '-f', '$id')} >/dev/null`],
    },
  ]
  if (theirs) {
    const p = {
      label: 'podman run -d + rm -f',
      argv: ['sh', '-c', `id=$(${[...prun, 'sleep', '100000'].join(' ')}) && ${[...podman, 'rm', '-f', '-t', '0'].join(' ')} $id >/dev/null`],
    }
    const problem = works(p)
    if (problem) console.log(`  podman cycle left out: ${problem}`)
    else cycles.push(p)
  }
  report('lifecycle: run -d then rm -f of an idle container', compare(cycles, Math.max(5, Math.round(runs / 3))), [
    ['tsc-box run -d + rm -f', 'podman run -d + rm -f', 0.3],
  ])

  // The halves of a cycle, to see where its time goes: run -d alone (its container removed
  // outside the measure) and Node's own start, the floor of every command Node runs.
  const started: string[] = []
  const runOnly: Command = {
    label: 'tsc-box run -d',
    argv: ['sh', '-c', `${tsc('run', '-d', '--rootfs', rootfs, 'sleep', '100000')} >> ${join(dataRoot, 'bench-ids')}`],
  }
  const nodeStart: Command = { label: "node -e ''", argv: [process.execPath, '-e', ''] }
  report("lifecycle: run -d alone, and node's start", compare([runOnly, nodeStart], Math.max(5, Math.round(runs / 3))), [])
  try {
    started.push(
      ...readFileSync(join(dataRoot, 'bench-ids'), 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    )
  } catch {
    // none started
  }
  if (started.length > 0) execFileSync(CLI, ['rm', '-f', '--root', dataRoot, ...started], { stdio: 'ignore' })

  execFileSync(CLI, ['rm', '-f', '--root', dataRoot, ours], { stdio: 'ignore' })
  if (theirs) spawnSync(podman[0]!, [...podman.slice(1), 'rm', '-f', '-t', '0', theirs], { stdio: 'ignore' })
}
