// Issue 16: every everyday command against podman's same command, in the same run, with 1 and
// with 100 containers in each store (created, not running: what ps -a, inspect and the lookups
// read) and one small image. tsc-box is run as a user's shell runs it (bin/run.js: the native
// front door for the commands the table marks native, Node otherwise); `node -e ''` is the
// floor of any command that starts Node.
import { execFileSync, spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { busyboxRootfs, CLI, PODMAN_ULIMITS, podmanIn, REPO, withStores } from '../fixtures'
import { compare, type Command, type Sample } from '../measure'

interface Pair {
  what: string
  ours: string[]
  theirs?: string[]
  /** The issue's target for ours / theirs. */
  target?: number
}

export function commands(runs: number) {
  withStores((dir) => {
    for (const count of [1, 100]) commandsWith(count, runs, dir)
  })
}

function commandsWith(count: number, runs: number, tempDir: (p: string) => string) {
  const rootfs = busyboxRootfs()
  const ours = tempDir('tsc-box-bench-cmd-')
  const tsc = (...args: string[]) => [CLI, ...args]
  const env = { ...process.env, TSC_BOX_ROOT: ours }
  const pdir = tempDir('tsc-box-bench-podman-cmd-')
  const podman = podmanIn(pdir)
  const havePodman = spawnSync('podman', ['--version']).status === 0

  // One small image in each store: /bin/true from this host, saved once, loaded by both.
  const src = tempDir('tsc-box-bench-cmd-src-')
  execFileSync(CLI, ['image', 'from-host', '--root', src, 'bench/small:1', '/bin/true'], { stdio: 'ignore' })
  const archive = join(src, 'small.tar')
  execFileSync(CLI, ['save', '--root', src, '-o', archive, 'bench/small:1'], { stdio: 'ignore' })
  execFileSync(CLI, ['load', '-q', '-i', archive], { stdio: 'ignore', env })
  if (havePodman) execFileSync(podman[0]!, [...podman.slice(1), 'load', '-q', '-i', archive], { stdio: 'ignore' })

  for (let i = 0; i < count; i++) {
    execFileSync(CLI, ['create', '--name', `c${i}`, '--rootfs', rootfs, 'sleep', '1000'], { stdio: 'ignore', env })
    if (havePodman)
      execFileSync(
        podman[0]!,
        [...podman.slice(1), 'create', '--name', `c${i}`, '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--rootfs', rootfs, 'sleep', '1000'],
        {
          stdio: 'ignore',
        },
      )
  }

  const p = (...args: string[]) => (havePodman ? [...podman, ...args] : undefined)
  const pairs: Pair[] = [
    { what: 'ps', ours: tsc('ps'), theirs: p('ps'), target: 1 },
    { what: 'ps -a', ours: tsc('ps', '-a'), theirs: p('ps', '-a'), target: count >= 100 ? 0.5 : 1 },
    { what: 'ps -aq', ours: tsc('ps', '-aq'), theirs: p('ps', '-aq'), target: 1 },
    {
      what: "ps -a --format '{{.Names}} {{.Status}}'",
      ours: tsc('ps', '-a', '--format', '{{.Names}} {{.Status}}'),
      theirs: p('ps', '-a', '--format', '{{.Names}} {{.Status}}'),
      target: 1,
    },
    { what: 'ps -a --json / --format json', ours: tsc('ps', '-a', '--json'), theirs: p('ps', '-a', '--format', 'json'), target: 1 },
    { what: 'images', ours: tsc('images'), theirs: p('images'), target: 1 },
    { what: 'images -q', ours: tsc('images', '-q'), theirs: p('images', '-q'), target: 1 },
    { what: 'inspect c0', ours: tsc('inspect', 'c0'), theirs: p('container', 'inspect', 'c0'), target: 1 },
    {
      what: "inspect -f '{{.State.Status}}' c0",
      ours: tsc('inspect', '-f', '{{.State.Status}}', 'c0'),
      theirs: p('container', 'inspect', '-f', '{{.State.Status}}', 'c0'),
      target: 1,
    },
    { what: 'logs c0', ours: tsc('logs', 'c0'), theirs: p('logs', 'c0') },
    { what: 'network ls', ours: tsc('network', 'ls'), theirs: p('network', 'ls') },
    { what: 'info', ours: tsc('info'), theirs: p('info') },
    { what: '--version', ours: tsc('--version'), theirs: p('--version') },
  ]
  if (count === 1) pairs.push(...lifecycle(rootfs, tsc, p, env, havePodman ? podman : undefined))
  const cmds: Command[] = [{ label: "node -e ''", argv: [process.execPath, '-e', ''] }]
  for (const pair of pairs) {
    cmds.push({ label: `tsc-box ${pair.what}`, argv: pair.ours, env })
    if (pair.theirs) cmds.push({ label: `podman ${pair.what}`, argv: pair.theirs })
  }
  // load of the small image into an empty store, a fresh one each run (made and removed untimed).
  const fresh = (argv: (dir: string) => string[]): string[] => {
    const d = tempDir('tsc-box-bench-cmd-load-')
    return argv(d)
  }
  const loadWhat = `load -i ARCHIVE (${(statSync(archive).size / 1e6).toFixed(1)} MB)`
  pairs.push({ what: loadWhat, ours: [], theirs: havePodman ? [] : undefined, target: 0.5 })
  cmds.push({
    label: `tsc-box ${loadWhat}`,
    get argv() {
      return fresh((d) => tsc('load', '-q', '--root', d, '-i', archive))
    },
  })
  if (havePodman)
    cmds.push({
      label: `podman ${loadWhat}`,
      get argv() {
        return fresh((d) => ['podman', '--root', join(d, 'root'), '--runroot', join(d, 'run'), '--storage-driver', 'overlay', 'load', '-q', '-i', archive])
      },
    })
  const samples = compare(cmds, runs)
  const ms = new Map<string, Sample>(samples.map((s) => [s.label, s]))
  const node = ms.get("node -e ''")!.medianMs
  console.log(`\n## commands: tsc-box against podman, ${count} container${count === 1 ? '' : 's'} and 1 image in each store (${runs} runs, medians)`)
  console.log(`  node -e '' (the floor of a command that starts Node): ${node.toFixed(1)} ms`)
  console.log(`  ${'command'.padEnd(44)} ${'tsc-box'.padStart(9)} ${'podman'.padStart(9)}   ratio`)
  for (const pair of pairs) {
    const a = ms.get(`tsc-box ${pair.what}`)!.medianMs
    const b = pair.theirs ? ms.get(`podman ${pair.what}`)?.medianMs : undefined
    const ratio = b === undefined ? '' : `${(a / b).toFixed(2)}x`
    const verdict =
      b === undefined || pair.target === undefined ? '' : a / b <= pair.target ? `  (target <= ${pair.target}x: met)` : `  (target <= ${pair.target}x: NOT met)`
    console.log(
      `  ${pair.what.padEnd(44)} ${a.toFixed(1).padStart(7)}ms ${b === undefined ? '        -' : `${b.toFixed(1).padStart(7)}ms`}   ${ratio}${verdict}`,
    )
  }
}

/**
 * stop, kill, pause/unpause (native since issue 16) on a running container `r1` in each store,
 * each also through oclif under Node (how they ran before: the same command, the same code
 * through the binding), to show what the native front door saves. `kill -s WINCH`: the sleep
 * is pid 1 of its namespace and ignores it, so the container keeps running between runs;
 * `stop` of the created c0 writes its marker only (what every stop starts with).
 */
function lifecycle(
  rootfs: string,
  tsc: (...a: string[]) => string[],
  p: (...a: string[]) => string[] | undefined,
  env: NodeJS.ProcessEnv,
  podman?: string[],
): Pair[] {
  execFileSync(CLI, ['run', '-d', '--name', 'r1', '--rootfs', rootfs, 'sleep', '1000'], { stdio: 'ignore', env })
  if (podman)
    execFileSync(podman[0]!, [...podman.slice(1), 'run', '-d', '--name', 'r1', ...PODMAN_ULIMITS, '--rootfs', rootfs, 'sleep', '1000'], { stdio: 'ignore' })
  process.on('exit', () => {
    spawnSync(CLI, ['rm', '-f', 'r1'], { stdio: 'ignore', env })
    if (podman) spawnSync(podman[0]!, [...podman.slice(1), 'rm', '-f', '-t', '0', 'r1'], { stdio: 'ignore' })
  })
  // oclif under Node, as bin/run.js ran these commands before they were native.
  const oclif = (...args: string[]) => [
    process.execPath,
    '-e',
    `require("@oclif/core").run(process.argv.slice(1), ${JSON.stringify(join(REPO, 'bin'))})`,
    ...args,
  ]
  // Two commands in one sample (a paused container cannot be paused again): sh's own start is
  // in both sides alike.
  const quoted = (argv: string[]) => argv.map((x) => `'${x}'`).join(' ')
  const pauseBoth = (run: (...a: string[]) => string[] | undefined) => {
    const a = run('pause', 'r1')
    return a ? ['sh', '-c', `${quoted(a)} && ${quoted(run('unpause', 'r1')!)}`] : undefined
  }
  return [
    { what: 'stop c0 (created)', ours: tsc('stop', 'c0'), theirs: p('stop', 'c0'), target: 1 },
    { what: 'stop c0 (created), oclif: before', ours: oclif('stop', 'c0') },
    { what: 'kill -s WINCH r1', ours: tsc('kill', '-s', 'WINCH', 'r1'), theirs: p('kill', '-s', 'WINCH', 'r1'), target: 1 },
    { what: 'kill -s WINCH r1, oclif: before', ours: oclif('kill', '-s', 'WINCH', 'r1') },
    { what: 'pause r1 && unpause r1', ours: pauseBoth(tsc)!, theirs: pauseBoth(p), target: 1 },
    { what: 'pause r1 && unpause r1, oclif: before', ours: pauseBoth(oclif)! },
  ]
}
