// Issues 4 and 16: `tsc-box load` and `pull` against podman's same commands in the same run, for a
// ~1 MB image (the host's static busybox: what a small image's fixed cost is) and a ~100 MB one
// (node and /bin/true from this host), both made by `image from-host`; pulls from a local
// docker-registry. Then `run --rm IMAGE /bin/true` vs `podman run --rm`. tsc-box is run as a
// user's shell runs it (bin/run.js: `load -i` answered by the runtime's native front door).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compare, report, works, type Command } from '../measure'
import { CLI, removeStore, withStores } from '../fixtures'

/** `--root` goes after the command's words: oclif reads flags per command. */
const tsc = (root: string, command: string[], ...args: string[]) => [CLI, ...command, '--root', root, ...args]

function freshEach(label: string, argv: (dir: string) => string[], tempDir: (p: string) => string): Command {
  let prev: string | undefined
  return {
    label,
    get argv() {
      if (prev) removeStore(prev)
      prev = tempDir('tsc-box-bench-store-')
      return argv(prev)
    },
  }
}

function podman(dir: string): string[] {
  return ['podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'overlay']
}

function freePortSync(): number {
  const out = execFileSync(
    process.execPath,
    ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"],
    { encoding: 'utf8' },
  )
  return Number(out.trim())
}

function startRegistry(tempDir: (p: string) => string): { host: string; stop: () => void } {
  const dir = tempDir('tsc-box-bench-registry-')
  const port = freePortSync()
  const config = join(dir, 'config.yml')
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  )
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore', detached: false })
  execFileSync('sh', ['-c', `for i in $(seq 100); do curl -sf http://127.0.0.1:${port}/v2/ >/dev/null && exit 0; sleep 0.1; done; exit 1`])
  return { host: `127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') }
}

export function images(runs: number) {
  withStores((dir) => imagesIn(runs, dir))
}

interface Made {
  ref: string
  archive: string
  /** "1 MB image (busybox, 1 MB archive, 2 MB unpacked)" */
  what: string
}

/** An image of `binaries` from this host, saved to an archive (both made untimed). */
function makeImage(src: string, ref: string, binaries: string[], name: string): Made {
  execFileSync(CLI, ['image', 'from-host', '--root', src, ref, ...binaries], { stdio: 'ignore' })
  const archive = join(src, `${ref.replace(/\W/g, '_')}.tar`)
  execFileSync(CLI, ['save', '--root', src, '-o', archive, ref], { stdio: 'ignore' })
  const row = (
    JSON.parse(execFileSync(CLI, ['images', '--root', src, '--json'], { encoding: 'utf8' })) as Array<{ references: string[]; unpackedSize: number }>
  ).find((r) => r.references.includes(`docker.io/${ref}`))
  const mb = (n: number) => `${(n / 1e6).toFixed(n < 10e6 ? 1 : 0)} MB`
  return { ref, archive, what: `${name}: ${mb(statSync(archive).size)} archive, ${mb(row?.unpackedSize ?? 0)} unpacked` }
}

function imagesIn(runs: number, tempDir: (p: string) => string) {
  const heavyRuns = Math.max(3, Math.min(runs, 9))
  const src = tempDir('tsc-box-bench-images-')
  const small = makeImage(src, 'bench/small:1', ['/bin/busybox'], 'busybox')
  const big = makeImage(src, 'bench/big:1', ['/usr/bin/node', '/bin/true'], 'node')
  const archive = big.archive
  const havePodman = spawnSync('podman', ['--version']).status === 0
  if (!havePodman) console.log('  podman left out: not installed')

  for (const [img, n, target] of [
    [small, runs, 0.5],
    [big, heavyRuns, 0.4],
  ] as const) {
    const load: Command[] = [freshEach('tsc-box load -i ARCHIVE', (d) => tsc(d, ['load'], '-q', '-i', img.archive), tempDir)]
    if (havePodman) load.push(freshEach('podman load -i ARCHIVE', (d) => [...podman(d), 'load', '-q', '-i', img.archive], tempDir))
    report(`images: load into an empty store (${img.what})`, compare(load, n), [['tsc-box load -i ARCHIVE', 'podman load -i ARCHIVE', target]])
  }

  const registry = startRegistry(tempDir)
  try {
    for (const [img, n, target] of [
      [small, runs, 0.5],
      [big, heavyRuns, 0.4],
    ] as const) {
      const ref = `${registry.host}/${img.ref}`
      execFileSync(CLI, ['push', '--root', src, '-q', img.ref, ref], { stdio: 'ignore' })
      const pull: Command[] = [freshEach('tsc-box pull (local registry)', (d) => tsc(d, ['pull'], '-q', ref), tempDir)]
      const p = freshEach('podman pull --tls-verify=false (local registry)', (d) => [...podman(d), 'pull', '-q', '--tls-verify=false', ref], tempDir)
      const problem = havePodman ? works(p) : 'not installed'
      if (problem) console.log(`  podman pull left out: ${problem}`)
      else pull.push(p)
      report(`images: pull from a registry on 127.0.0.1 into an empty store (${img.what})`, compare(pull, n), [
        ['tsc-box pull (local registry)', 'podman pull --tls-verify=false (local registry)', target],
      ])
    }
  } finally {
    registry.stop()
  }

  const runStore = tempDir('tsc-box-bench-run-')
  execFileSync(CLI, ['load', '--root', runStore, '-q', '-i', archive], { stdio: 'ignore' })
  const run: Command[] = [{ label: 'tsc-box run --rm IMAGE /bin/true', argv: tsc(runStore, ['run'], '--rm', '--entrypoint', '/bin/true', 'bench/big:1') }]
  if (havePodman) {
    const pstore = tempDir('tsc-box-bench-podman-')
    execFileSync(podman(pstore)[0], [...podman(pstore).slice(1), 'load', '-q', '-i', archive], { stdio: 'ignore' })
    // runc: crun refuses hybrid cgroup hosts; ulimits: podman's defaults exceed this host's hard limits.
    const p: Command = {
      label: 'podman run --rm IMAGE /bin/true',
      argv: [
        ...podman(pstore),
        '--runtime',
        'runc',
        'run',
        '--rm',
        '--ulimit',
        'nofile=1024:1024',
        '--ulimit',
        'nproc=1024:1024',
        '--entrypoint',
        '/bin/true',
        'bench/big:1',
      ],
    }
    const problem = works(p)
    if (problem) console.log(`  podman run left out: ${problem}`)
    else run.push(p)
  }
  report('images: from an image in the store to a finished container', compare(run, runs), [
    ['tsc-box run --rm IMAGE /bin/true', 'podman run --rm IMAGE /bin/true', 0.4],
  ])
}
