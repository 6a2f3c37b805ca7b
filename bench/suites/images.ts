// Issue 4: on the same ~100 MB image (node and /bin/true from this host, made by
// `image from-host`): `tsc-box load` vs `podman load`, a pull from a local docker-registry vs
// `skopeo copy` into podman's storage, and `run --rm IMAGE /bin/true` vs `podman run --rm`.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compare, report, works, type Command } from '../measure'
import { CLI, removeStore, withStores } from '../fixtures'

/** `--root` goes after the command's words: oclif reads flags per command. */
const tsc = (root: string, command: string[], ...args: string[]) => [process.execPath, '--', CLI, ...command, '--root', root, ...args]

/** A command that runs in a fresh store each time; the previous one is removed first. */
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

function imagesIn(runs: number, tempDir: (p: string) => string) {
  const heavyRuns = Math.max(3, Math.min(runs, 7))
  const src = tempDir('tsc-box-bench-images-')
  execFileSync(process.execPath, [CLI, 'image', 'from-host', '--root', src, 'bench/big:1', '/usr/bin/node', '/bin/true'], { stdio: 'ignore' })
  const archive = join(src, 'big.tar')
  execFileSync(process.execPath, [CLI, 'save', '--root', src, '-o', archive, 'bench/big:1'], { stdio: 'ignore' })
  const size = Number(JSON.parse(execFileSync(process.execPath, [CLI, 'images', '--root', src, '--json'], { encoding: 'utf8' }))[0].unpackedSize)
  console.log(`\n(images: bench/big:1 is ${(size / 1e6).toFixed(0)} MB unpacked, its archive ${(statSync(archive).size / 1e6).toFixed(0)} MB)`)

  const havePodman = spawnSync('podman', ['--version']).status === 0
  const load: Command[] = [freshEach('tsc-box load -i ARCHIVE', (d) => tsc(d, ['load'], '-q', '-i', archive), tempDir)]
  if (havePodman) load.push(freshEach('podman load -i ARCHIVE', (d) => [...podman(d), 'load', '-q', '-i', archive], tempDir))
  else console.log('  podman left out: not installed')
  report('images: load a ~100 MB archive into an empty store', compare(load, heavyRuns), [['tsc-box load -i ARCHIVE', 'podman load -i ARCHIVE', 0.5]])

  const registry = startRegistry(tempDir)
  try {
    const ref = `${registry.host}/bench/big:1`
    execFileSync(process.execPath, [CLI, 'push', '--root', src, '-q', 'bench/big:1', ref], { stdio: 'ignore' })
    const pull: Command[] = [freshEach('tsc-box pull (local registry)', (d) => tsc(d, ['pull'], '-q', ref), tempDir)]
    const skopeo = freshEach(
      'skopeo copy -> containers-storage',
      (d) => [
        'skopeo',
        'copy',
        '-q',
        '--src-tls-verify=false',
        `docker://${ref}`,
        `containers-storage:[overlay@${join(d, 'root')}+${join(d, 'run')}]bench/big:1`,
      ],
      tempDir,
    )
    const problem = works(skopeo)
    if (problem) console.log(`  skopeo left out: ${problem}`)
    else pull.push(skopeo)
    report('images: pull ~100 MB from a registry on 127.0.0.1', compare(pull, heavyRuns), [
      ['tsc-box pull (local registry)', 'skopeo copy -> containers-storage', 0.5],
    ])
  } finally {
    registry.stop()
  }

  const runStore = tempDir('tsc-box-bench-run-')
  execFileSync(process.execPath, [CLI, 'load', '--root', runStore, '-q', '-i', archive], { stdio: 'ignore' })
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
