// `tsc-box build` without root: a test user with subordinate ids (setpriv drops to it) builds a
// multi-stage Dockerfile over a base image made from the host's busybox. RUN steps are
// rootless containers (chown and a user added to /etc/passwd inside them); COPY --chown,
// WORKDIR and COPY --from run in a user namespace with the user's ids (the runtime's
// userns-exec helper). The layers of `save`'s output hold the owners the container saw (1000
// is 1000, root is 0), never the host's subordinate ids; deletions are whiteouts; the image
// runs rootless; a rebuild is fully cached; --closure works; a repeated layer stacks; what a
// rootless build cannot do is refused; a failed step, and Ctrl-C during a COPY's worker, leave
// nothing. The user and its ranges are removed afterwards.
import test from 'ava'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Result } from './helpers/cli'
import { serialIf } from './helpers/conditional'
import { RootlessUser } from './helpers/rootless-user'

const isRoot = process.getuid?.() === 0
const hasIdMapTools = ['/usr/bin/newuidmap', '/usr/bin/newgidmap'].every((p) => existsSync(p))
const serial = serialIf(
  isRoot && hasIdMapTools,
  !isRoot ? 'needs root to make the test user and its subordinate ids' : 'needs newuidmap and newgidmap (package uidmap)',
)

const tag = randomBytes(3).toString('hex')
const IMAGE = `localhost/rootless-build-${tag}:1`
let user: RootlessUser
let ctx = ''

const DOCKERFILE = `FROM host:/bin/busybox AS base
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /home/app && echo made > /home/app/made && chown -R 1000:1000 /home/app && echo root > /root-file && echo other:x:1001:1001::/:/bin/false >> /etc/passwd && echo other:x:1001: >> /etc/group
COPY --chown=1000:1000 app.txt /home/app/
COPY --chown=other app.txt /srv/other.txt
WORKDIR /home/app/work
FROM base
COPY --from=base /home/app /copied
RUN rm /root-file
CMD ["sh", "-c", "id -u; pwd; stat -c '%u:%g %n' /home/app/app.txt /home/app/made /srv/other.txt /copied/made; ls /root-file 2>&1 || true"]
`

test.before(() => {
  if (!isRoot || !hasIdMapTools) return
  // Ranges far from the usual 100000+ ones and from the other rootless tests'.
  user = RootlessUser.create(`tsbbr${tag}`, 3_300_000 + (parseInt(tag, 16) % 200) * 131072, 65536)
  ctx = mkdtempSync(join(tmpdir(), 'tsc-box-rootless-ctx-'))
  writeFileSync(join(ctx, 'app.txt'), 'app\n')
  writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE)
  user.own(ctx)
})

test.after.always(() => {
  if (user) user.remove()
  if (ctx) rmSync(ctx, { recursive: true, force: true })
})

function ok(t: { is: (a: unknown, b: unknown, m?: string) => void }, r: Result): Result {
  t.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  return r
}

/** A Dockerfile of its own in the context (named after `name`). */
function dockerfile(name: string, text: string): string {
  const file = join(ctx, `Dockerfile.${name}`)
  writeFileSync(file, text)
  user.own(file)
  return file
}

/** What the user's data root holds of containers and overlays (a build leaves none). */
function leftovers(): string[] {
  const data = join(user.home, '.local/share/tsc-box')
  return ['containers', 'overlay'].flatMap((d) => {
    try {
      return readdirSync(join(data, d)).map((n) => `${d}/${n}`)
    } catch {
      return []
    }
  })
}

interface TarEntry {
  path: string
  uid: number
  gid: number
}

/** Each layer of IMAGE's `save` output, base first, as (path, uid, gid) entries. */
function savedLayers(ref: string): TarEntry[][] {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-rootless-save-'))
  try {
    chmodSync(dir, 0o777)
    const file = join(dir, 'image.tar')
    const r = user.run(['save', '-o', file, ref])
    if (r.code !== 0) throw new Error(`save: ${r.stderr}`)
    mkdirSync(join(dir, 'x'))
    execFileSync('tar', ['-xf', file, '-C', join(dir, 'x')])
    const blob = (d: string) => join(dir, 'x', 'blobs', ...d.split(':'))
    const index = JSON.parse(readFileSync(join(dir, 'x', 'index.json'), 'utf8'))
    const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'))
    return (manifest.layers as { digest: string }[]).map((l) =>
      execFileSync('tar', ['--numeric-owner', '-tvzf', blob(l.digest)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          // mode uid/gid size date time path[ -> target]
          const f = line.split(/\s+/)
          const [uid, gid] = f[1]!.split('/').map(Number)
          return {
            path: f
              .slice(5)
              .join(' ')
              .replace(/ -> .*$/, ''),
            uid: uid!,
            gid: gid!,
          }
        }),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function owner(layers: TarEntry[][], path: string): string | undefined {
  for (const l of [...layers].reverse()) {
    const e = l.find((x) => x.path === path)
    if (e) return `${e.uid}:${e.gid}`
  }
  return undefined
}

serial('an ordinary user builds a multi-stage image whose layers keep the owners the container saw, and it runs rootless', (t) => {
  const r = ok(t, user.run(['build', '-t', IMAGE, ctx]))
  t.regex(r.stdout + r.stderr, /naming to .*rootless-build/)
  const layers = savedLayers(IMAGE)
  // RUN: chown inside the container is 1000 in the layer; root's files are 0, the /etc/passwd
  // it added a user to too. No entry carries a host id of the user's ranges (or the user's own).
  t.is(owner(layers, 'home/app'), '1000:1000')
  t.is(owner(layers, 'home/app/made'), '1000:1000')
  t.is(owner(layers, 'etc/passwd'), '0:0')
  // COPY --chown, by number and by a name the image's /etc/passwd gives; WORKDIR's directory.
  t.is(owner(layers, 'home/app/app.txt'), '1000:1000')
  t.is(owner(layers, 'srv/other.txt'), '1001:1001')
  t.is(owner(layers, 'home/app/work'), '0:0')
  // COPY --from without --chown: root's, as docker gives them.
  t.is(owner(layers, 'copied/made'), '0:0')
  // RUN rm in the second stage: a whiteout.
  t.true(
    layers.some((l) => l.some((e) => e.path === '.wh.root-file')),
    'a whiteout for the removed file',
  )
  const all = layers.flat()
  t.deepEqual(
    all.filter((e) => e.uid >= user.subStart || e.gid >= user.subStart || e.uid === user.uid),
    [],
    'no host id in any layer',
  )
  // The image runs without root, with those owners.
  const run = ok(t, user.run(['run', '--rm', IMAGE]))
  t.is(
    run.stdout,
    '0\n/home/app/work\n1000:1000 /home/app/app.txt\n1000:1000 /home/app/made\n1001:1001 /srv/other.txt\n0:0 /copied/made\nls: /root-file: No such file or directory\n',
  )
  t.deepEqual(leftovers(), [])
})

serial('a rootless rebuild is fully cached and gives the same image', (t) => {
  const first = ok(t, user.run(['build', '-q', ctx])).stdout.trim()
  const r = ok(t, user.run(['build', '--progress', 'plain', '-t', IMAGE, ctx]))
  const lines = r.stderr.split('\n')
  // Each step that makes a layer (RUN, COPY, WORKDIR) comes from the cache.
  const layered = lines.map((l) => /^#(\d+) \[[^\]]*\] (RUN|COPY|WORKDIR)\b/.exec(l)?.[1]).filter((n) => n !== undefined)
  t.is(layered.length, 7)
  for (const n of layered) t.true(lines.includes(`#${n} CACHED`), `step ${n} cached:\n${r.stderr}`)
  t.is(ok(t, user.run(['build', '-q', ctx])).stdout.trim(), first)
  t.deepEqual(leftovers(), [])
})

serial('a rootless build copies a binary with --closure into scratch, which runs', (t) => {
  const file = dockerfile('closure', 'FROM host:/bin/busybox AS b\nFROM scratch\nCOPY --from=b --closure /usr/bin/busybox /busybox\nENTRYPOINT ["/busybox"]\n')
  ok(t, user.run(['build', '-f', file, '-t', `${IMAGE}-closure`, ctx]))
  t.is(ok(t, user.run(['run', '--rm', `${IMAGE}-closure`, 'echo', 'closure ok'])).stdout, 'closure ok\n')
})

serial('a rootless build stacks steps that made the same layer (stored once)', (t) => {
  const file = dockerfile(
    'same',
    'FROM host:/bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo same > /same"]\nRUN ["/bin/busybox", "true"]\nRUN ["/bin/busybox", "sh", "-c", "echo same > /same"]\nRUN ["/bin/busybox", "cat", "/same"]\nCOPY app.txt /\n',
  )
  ok(t, user.run(['build', '--no-cache', '-f', file, '-t', `${IMAGE}-same`, ctx], { env: { SOURCE_DATE_EPOCH: '1700000000' } }))
  t.is(ok(t, user.run(['run', '--rm', '--entrypoint', '/usr/bin/busybox', `${IMAGE}-same`, 'cat', '/same', '/app.txt'])).stdout, 'same\napp\n')
  t.deepEqual(leftovers(), [])
})

serial('a rootless build refuses what it cannot do and a failed step leaves nothing', (t) => {
  const fail = dockerfile('fail', 'FROM host:/bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "mkdir /x && /bin/busybox chown 1000 /x && exit 3"]\n')
  const r = user.run(['build', '-f', fail, ctx])
  t.is(r.code, 1)
  t.regex(r.stderr, /returned a non-zero code: 3/)
  const bind = dockerfile('bind', 'FROM host:/bin/busybox AS b\nFROM b\nRUN --mount=type=bind,from=b,target=/m ["/bin/busybox", "true"]\n')
  const refused = user.run(['build', '-f', bind, ctx])
  t.is(refused.code, 1)
  t.regex(refused.stderr, /a rootless build cannot mount a stage's or an image's root/)
  const cache = dockerfile('cache', 'FROM host:/bin/busybox\nRUN --mount=type=cache,target=/c,uid=1000 ["/bin/busybox", "true"]\n')
  const c = user.run(['build', '-f', cache, ctx])
  t.is(c.code, 1)
  t.regex(c.stderr, /cache directories belong to the container's root/)
  t.deepEqual(leftovers(), [])
})

/** Whether the user runs a build worker (src/build/ns-worker.ts) now. */
function workerRunning(): boolean {
  return spawnSync('pgrep', ['-U', String(user.uid), '-f', 'ns-worker.js']).status === 0
}

serial('Ctrl-C during a rootless COPY stops its worker and leaves nothing', async (t) => {
  // Big enough that the worker is still copying and compressing when the signal comes.
  const big = join(ctx, 'big.bin')
  execFileSync('dd', ['if=/dev/urandom', `of=${big}`, 'bs=1M', 'count=300', 'status=none'])
  user.own(big)
  const file = dockerfile('big', 'FROM host:/bin/busybox\nCOPY big.bin /big.bin\n')
  try {
    const c = user.command(['build', '--no-cache', '-f', file, ctx])
    const child = spawn(c.cmd, c.argv, { env: c.env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    // The worker runs and has made the step's overlay directory: it is copying.
    const copying = () => workerRunning() && leftovers().some((e) => e.startsWith('overlay/'))
    const deadline = Date.now() + 60_000
    while (!copying() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    t.true(copying(), 'the COPY went to its worker')
    child.kill('SIGINT')
    t.is(await exited, 1, stderr)
    t.regex(stderr, /the build was interrupted/)
    t.false(workerRunning())
    t.deepEqual(leftovers(), [])
  } finally {
    rmSync(big, { force: true })
  }
})
