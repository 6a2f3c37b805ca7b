// Issue 13: `tsc-box build` against `podman build` (buildah, chroot isolation) on one Dockerfile
// and context over the same base image: a cold build (no cache), a fully cached rebuild, and a
// rebuild after one source file changes. Targets: cached <= 0.2x podman's, one-file change
// <= 0.5x, cold <= 0.8x. Then the size of the C example built with COPY --closure into scratch,
// beside the same program on a Debian base.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compare, report, works, type Command } from '../measure'
import { CLI, withStores } from '../fixtures'

const tsc = (root: string, command: string[], ...args: string[]) => [process.execPath, '--', CLI, ...command, '--root', root, ...args]

function podman(dir: string): string[] {
  return ['podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'overlay']
}

export function build(runs: number) {
  withStores((dir) => buildIn(Math.max(3, Math.min(runs, 10)), dir))
}

function buildIn(runs: number, tempDir: (p: string) => string) {
  const root = tempDir('tsc-box-bench-build-')
  const pstore = tempDir('tsc-box-bench-podman-build-')
  execFileSync(tsc(root, ['image', 'from-host'])[0]!, [...tsc(root, ['image', 'from-host']).slice(1), 'bench/base:1', '/bin/sh', '/bin/cat', '/bin/mkdir'], {
    stdio: 'ignore',
  })
  const ctx = tempDir('tsc-box-bench-ctx-')
  mkdirSync(join(ctx, 'src'))
  for (let i = 0; i < 50; i++) writeFileSync(join(ctx, 'src', `f${i}.txt`), `file ${i}\n`.repeat(200))
  writeFileSync(
    join(ctx, 'Dockerfile'),
    'FROM bench/base:1\nRUN mkdir -p /app/out\nCOPY src /app/src\nRUN cat /app/src/* > /app/out/all\nCMD ["/bin/cat", "/app/out/all"]\n',
  )
  const commands: Command[] = [
    { label: 'tsc-box build (cold, --no-cache)', argv: tsc(root, ['build'], '--no-cache', '-q', ctx) },
    { label: 'tsc-box build (cached)', argv: tsc(root, ['build'], '-q', ctx) },
  ]
  let n = 0
  const touchOne = (label: string, argv: string[]): Command => ({
    label,
    get argv() {
      writeFileSync(join(ctx, 'src', 'f0.txt'), `changed ${++n}\n`)
      return argv
    },
  })
  commands.push(touchOne('tsc-box build (one file changed)', tsc(root, ['build'], '-q', ctx)))
  const archive = join(root, 'base.tar')
  execFileSync(tsc(root, ['save'])[0]!, [...tsc(root, ['save']).slice(1), '-o', archive, 'bench/base:1'], { stdio: 'ignore' })
  const p = podman(pstore)
  const loaded = spawnSync(p[0]!, [...p.slice(1), 'load', '-i', archive], { encoding: 'utf8' })
  const podmanBuild = (extra: string[]) => [...p, 'build', '--isolation=chroot', '-q', ...extra, ctx]
  const peers: Command[] = [
    { label: 'podman build (cold, --no-cache)', argv: podmanBuild(['--no-cache']) },
    { label: 'podman build (cached)', argv: podmanBuild([]) },
    touchOne('podman build (one file changed)', podmanBuild([])),
  ]
  const skip = loaded.status !== 0 ? `podman load failed: ${loaded.stderr.trim()}` : works(peers[0]!)
  if (skip) console.log(`\n(podman build skipped: ${skip})`)
  const samples = compare(skip ? commands : [...commands, ...peers], runs)
  report('build: cold, cached, one file changed (issue 13)', samples, [
    ['tsc-box build (cold, --no-cache)', 'podman build (cold, --no-cache)', 0.8],
    ['tsc-box build (cached)', 'podman build (cached)', 0.2],
    ['tsc-box build (one file changed)', 'podman build (one file changed)', 0.5],
  ])
  closureSize(root, tempDir)
}

/** The C example's final image (COPY --closure into scratch) beside its gcc build stage. */
function closureSize(root: string, tempDir: (p: string) => string) {
  if (spawnSync('gcc', ['--version']).status !== 0) {
    console.log('\n(closure size skipped: no host gcc to make a gcc stage from)')
    return
  }
  const ctx = tempDir('tsc-box-bench-c-')
  writeFileSync(join(ctx, 'hello.c'), '#include <stdio.h>\nint main(void){printf("hello\\n");return 0;}\n')
  const lib = (f: string) => execFileSync('gcc', [`-print-file-name=${f}`], { encoding: 'utf8' }).trim()
  const prog = (f: string) => execFileSync('gcc', [`-print-prog-name=${f}`], { encoding: 'utf8' }).trim()
  const headers = execFileSync('gcc', ['-O2', '-M', join(ctx, 'hello.c')], { encoding: 'utf8' })
    .replace(/\\\n/g, ' ')
    .split(/\s+/)
    .filter((f) => f.startsWith('/'))
  const files = [
    ...headers,
    ...[
      'Scrt1.o',
      'crti.o',
      'crtn.o',
      'crtbeginS.o',
      'crtendS.o',
      'libgcc.a',
      'libgcc_s.so',
      'libgcc_s.so.1',
      'libc.so',
      'libc_nonshared.a',
      'liblto_plugin.so',
    ].map(lib),
  ]
  const adds = files.map((f) => `--add=${execFileSync('realpath', ['-s', f], { encoding: 'utf8' }).trim()}`)
  const fromHost = tsc(
    root,
    ['image', 'from-host'],
    ...adds,
    '--',
    'bench/gcc:1',
    '/usr/bin/gcc',
    prog('cc1'),
    prog('collect2'),
    prog('lto-wrapper'),
    '/usr/bin/as',
    '/usr/bin/ld',
    '/bin/sh',
    '/bin/mkdir',
  )
  execFileSync(fromHost[0]!, fromHost.slice(1), { stdio: 'ignore' })
  writeFileSync(
    join(ctx, 'Dockerfile'),
    'FROM bench/gcc:1 AS build\nCOPY hello.c /src/\nRUN mkdir /out && gcc -O2 -o /out/hello /src/hello.c\nFROM scratch\nCOPY --from=build --closure /out/hello /hello\nENTRYPOINT ["/hello"]\n',
  )
  const b = tsc(root, ['build'], '-t', 'bench/hello:1', ctx)
  execFileSync(b[0]!, b.slice(1), { stdio: 'ignore' })
  const inspect = (ref: string) =>
    JSON.parse(execFileSync(tsc(root, ['image', 'inspect'])[0]!, [...tsc(root, ['image', 'inspect']).slice(1), ref], { encoding: 'utf8' }))[0]
  const small = inspect('bench/hello:1')
  const big = inspect('bench/gcc:1')
  console.log('\n## build: the C example with COPY --closure (issue 13)')
  console.log(`  scratch + --closure: ${small.CompressedSize} bytes (${small.Size} unpacked)`)
  console.log(`  its gcc build stage: ${big.CompressedSize} bytes (${big.Size} unpacked)`)
  const debian = debianBase(root)
  if (typeof debian !== 'string') {
    console.log(`  (the same program on a Debian base is not measured: ${debian.skipped})`)
    return
  }
  writeFileSync(
    join(ctx, 'Dockerfile'),
    `FROM bench/gcc:1 AS build\nCOPY hello.c /src/\nRUN mkdir /out && gcc -O2 -o /out/hello /src/hello.c\nFROM ${debian}\nCOPY --from=build /out/hello /usr/local/bin/hello\nENTRYPOINT ["/usr/local/bin/hello"]\n`,
  )
  const d = tsc(root, ['build'], '-t', 'bench/hello-debian:1', ctx)
  execFileSync(d[0]!, d.slice(1), { stdio: 'ignore' })
  const onDebian = inspect('bench/hello-debian:1')
  console.log(
    `  the same program on Debian bookworm (minbase): ${onDebian.CompressedSize} bytes (${onDebian.Size} unpacked), ${(onDebian.CompressedSize / small.CompressedSize).toFixed(0)}x the closure image`,
  )
}

/**
 * A Debian bookworm base (debootstrap --variant=minbase from the host's mirror), made once and
 * kept in /var/cache/tsc-box-bench (some 90 s and 200 MB), imported into `root`.
 */
function debianBase(root: string): string | { skipped: string } {
  const cache = '/var/cache/tsc-box-bench'
  const tar = join(cache, 'debian-bookworm-minbase.tar.gz')
  if (!existsSync(tar)) {
    if (spawnSync('debootstrap', ['--version']).status !== 0) return { skipped: 'debootstrap is not installed (apt-get install debootstrap)' }
    const rootfs = join(cache, 'debian-rootfs')
    rmSync(rootfs, { recursive: true, force: true })
    mkdirSync(cache, { recursive: true })
    const boot = spawnSync('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian'], { stdio: 'ignore' })
    if (boot.status !== 0) return { skipped: `debootstrap failed (status ${boot.status}): is the Debian mirror reachable?` }
    execFileSync('tar', ['-C', rootfs, '-czf', `${tar}.tmp`, '.'])
    renameSync(`${tar}.tmp`, tar)
    rmSync(rootfs, { recursive: true, force: true })
  }
  const ref = 'localhost/debian:bookworm-minbase'
  const imp = tsc(root, ['import'], tar, ref)
  execFileSync(imp[0]!, imp.slice(1), { stdio: 'ignore' })
  return ref
}
