// `tsc-box build` end to end (src/build): a Dockerfile over a base image made from host
// binaries, RUN in real containers, COPY from the context, metadata in the config and history,
// the content cache, multi-stage, failures that leave nothing, hostile contexts, and
// reproducible digests.
import test from 'ava'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, collect, makeDataRoot, type Result, tsc, tscSpawn } from './helpers/cli'
import { serialIf } from './helpers/conditional'

const isRoot = process.getuid?.() === 0
const serial = serialIf(isRoot, 'needs root: RUN containers and COPY overlays')
const root = makeDataRoot()
const BASE = 'localhost/build-base:1'
const BINS = ['/bin/sh', '/bin/cat', '/bin/ls', '/bin/mkdir', '/bin/rm', '/bin/echo']

function ok(t: { is: (a: unknown, b: unknown, m?: string) => void }, r: Result): Result {
  t.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  return r
}

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-ctx-'))
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true })
    writeFileSync(join(dir, p), content)
  }
  return dir
}

function build(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Result {
  return tsc(root, ['build', ...args, dir], '', env)
}

// biome-ignore lint/suspicious/noExplicitAny: image config JSON
function inspect(ref: string): any {
  return JSON.parse(tsc(root, ['image', 'inspect', ref]).stdout)[0]
}

function runIn(ref: string, ...cmd: string[]): Result {
  return tsc(root, ['run', '--rm', '--entrypoint', cmd[0]!, ref, ...cmd.slice(1)])
}

function leftovers(): { containers: string[]; overlays: string[] } {
  const ls = (d: string) => {
    try {
      return readdirSync(join(root, d))
    } catch {
      return []
    }
  }
  return { containers: ls('containers'), overlays: ls('overlay') }
}

test.before(() => {
  if (!isRoot) return
  const r = tsc(root, ['image', 'from-host', BASE, ...BINS])
  if (r.code !== 0) throw new Error(r.stderr)
})

serial('a Dockerfile builds an image that runs: RUN, COPY, WORKDIR, ENV and the metadata instructions as docker writes them', (t) => {
  const dir = context({
    'hello.txt': 'hello\n',
    'sub/a': 'a\n',
    Dockerfile: [
      `FROM ${BASE}`,
      'ENV GREETING="hi there" EMPTY=',
      'WORKDIR /app',
      'COPY hello.txt .',
      'COPY sub ./sub/',
      'RUN echo "$GREETING" > /app/greeting && rm /app/hello.txt',
      'LABEL org.example.x=1',
      'EXPOSE 8080 53/udp',
      'USER 1000:1000',
      'ENTRYPOINT ["/bin/cat"]',
      'CMD ["/app/greeting"]',
      'STOPSIGNAL SIGTERM',
      'VOLUME /data',
      '',
    ].join('\n'),
  })
  const r = ok(t, build(dir, ['-t', 'localhost/built:1']))
  t.regex(r.stderr, /naming to localhost\/built:1 done/)
  const out = ok(t, tsc(root, ['run', '--rm', 'localhost/built:1']))
  t.is(out.stdout, 'hi there\n')
  // The file RUN removed is a whiteout in its layer: gone from the image.
  t.not(runIn('localhost/built:1', '/bin/ls', '/app').stdout.includes('hello.txt'), true)
  t.is(runIn('localhost/built:1', '/bin/cat', '/app/sub/a').stdout, 'a\n')
  const img = inspect('localhost/built:1')
  t.is(img.Config.WorkingDir, '/app')
  t.deepEqual(img.Config.Entrypoint, ['/bin/cat'])
  t.deepEqual(img.Config.Cmd, ['/app/greeting'])
  t.true(img.Config.Env.includes('GREETING=hi there'))
  t.true(img.Config.Env.includes('EMPTY='))
  t.deepEqual(Object.keys(img.Config.ExposedPorts).sort(), ['53/udp', '8080/tcp'])
  t.is(img.Config.Labels['org.example.x'], '1')
  t.is(img.Config.User, '1000:1000')
  t.is(img.Config.StopSignal, 'SIGTERM')
  t.deepEqual(img.Config.Volumes, { '/data': {} })
  // The history as docker writes it, newest first in `history`; metadata steps add no layer.
  const hist = JSON.parse(tsc(root, ['history', '--json', 'localhost/built:1']).stdout)
  t.is(hist[0].id, img.Id)
  t.is(hist[0].createdBy, 'VOLUME [/data]')
  t.true(hist[0].emptyLayer)
  const run = hist.find((h: { createdBy: string }) => h.createdBy.startsWith('RUN '))
  t.is(run.createdBy, 'RUN /bin/sh -c echo "$GREETING" > /app/greeting && rm /app/hello.txt # buildkit')
  t.false(run.emptyLayer)
  t.true(hist.some((h: { createdBy: string }) => h.createdBy === 'ENV GREETING=hi there EMPTY='))
  t.true(hist.some((h: { createdBy: string }) => h.createdBy === 'EXPOSE map[53/udp:{} 8080/tcp:{}]'))
  t.regex(ok(t, tsc(root, ['history', 'localhost/built:1'])).stdout, /^IMAGE +CREATED +CREATED BY +SIZE +COMMENT\n/)
})

serial("a failed RUN says docker's error, exits 1 and leaves no container, overlay or image", (t) => {
  const before = leftovers()
  const dir = context({ Dockerfile: `FROM ${BASE}\nRUN echo partial > /x && exit 3\n` })
  const r = build(dir, ['-t', 'localhost/failed:1'])
  t.is(r.code, 1)
  t.regex(r.stderr, /The command '\/bin\/sh -c echo partial > \/x && exit 3' returned a non-zero code: 3/)
  t.deepEqual(leftovers(), before)
  t.is(tsc(root, ['image', 'inspect', 'localhost/failed:1']).code, 1)
})

serial('the cache: a rebuild runs nothing; a one-file change rebuilds from the COPY that reads it; a touched file is the same content', (t) => {
  const dir = context({
    'a.txt': 'a1\n',
    'b.txt': 'b1\n',
    Dockerfile: `FROM ${BASE}\nCOPY a.txt /a.txt\nRUN echo ran-a > /ra\nCOPY b.txt /b.txt\nRUN echo ran-b > /rb\nENV DONE=1\nCMD ["/ra"]\n`,
  })
  ok(t, build(dir, ['-t', 'localhost/cache:1']))
  const first = inspect('localhost/cache:1').Id
  const again = ok(t, build(dir, ['-t', 'localhost/cache:1', '-t', 'localhost/cache:again']))
  t.is((again.stderr.match(/CACHED/g) ?? []).length, 4)
  // A fully cached rebuild is the same image (created when its last step was), under both names.
  t.is(inspect('localhost/cache:1').Id, first)
  t.is(inspect('localhost/cache:again').Id, first)
  t.notRegex(again.stderr, /^#\d+ ran-/m)
  // Same bytes, new mtime: still cached.
  utimesSync(join(dir, 'a.txt'), new Date(), new Date(Date.now() + 5000))
  const touched = ok(t, build(dir, ['-t', 'localhost/cache:1']))
  t.is((touched.stderr.match(/CACHED/g) ?? []).length, 4)
  writeFileSync(join(dir, 'b.txt'), 'b2\n')
  const changed = ok(t, build(dir, ['-t', 'localhost/cache:2']))
  t.is((changed.stderr.match(/CACHED/g) ?? []).length, 2, changed.stderr)
  t.is(runIn('localhost/cache:2', '/bin/cat', '/b.txt').stdout, 'b2\n')
  // --no-cache runs every step.
  const fresh = ok(t, build(dir, ['--no-cache', '-t', 'localhost/cache:3']))
  t.notRegex(fresh.stderr, /CACHED/)
})

serial('the cache: a changed build arg rebuilds only the steps that use it', (t) => {
  const dir = context({ Dockerfile: `FROM ${BASE}\nRUN echo first > /f\nARG V=1\nRUN echo "v=$V" > /v\n` })
  ok(t, build(dir, ['--build-arg', 'V=1', '-t', 'localhost/arg:1']))
  const r = ok(t, build(dir, ['--build-arg', 'V=2', '-t', 'localhost/arg:2']))
  t.is((r.stderr.match(/CACHED/g) ?? []).length, 1, r.stderr)
  t.is(runIn('localhost/arg:2', '/bin/cat', '/v').stdout, 'v=2\n')
  // The ARG reached RUN's environment but not the image's.
  t.false(inspect('localhost/arg:2').Config.Env.some((e: string) => e.startsWith('V=')))
})

serial('multi-stage: --target builds only what the target needs; COPY --from copies from a stage', (t) => {
  const dir = context({
    Dockerfile: [
      `FROM ${BASE} AS build`,
      'RUN mkdir /out && echo built > /out/artifact',
      `FROM ${BASE} AS unused`,
      'RUN exit 9',
      'FROM scratch AS final',
      'COPY --from=build /out/artifact /artifact',
      `FROM ${BASE} AS check`,
      'COPY --from=final /artifact /seen',
      '',
    ].join('\n'),
  })
  ok(t, build(dir, ['--target', 'final', '-t', 'localhost/ms:final']))
  const img = inspect('localhost/ms:final')
  t.is(img.RootFS.Layers.length, 1)
  ok(t, build(dir, ['-t', 'localhost/ms:check']))
  t.is(runIn('localhost/ms:check', '/bin/cat', '/seen').stdout, 'built\n')
})

serial('hostile contexts: a symlink is copied as a link, never followed; ../ and paths outside the context are refused', (t) => {
  const dir = context({ 'real.txt': 'r\n', Dockerfile: `FROM ${BASE}\nCOPY . /ctx/\n` })
  symlinkSync('/etc/shadow', join(dir, 'shadow'))
  symlinkSync('/etc', join(dir, 'etc-link'))
  ok(t, build(dir, ['-t', 'localhost/links:1']))
  const ls = runIn('localhost/links:1', '/bin/ls', '-l', '/ctx').stdout
  t.regex(ls, /shadow -> \/etc\/shadow/)
  t.regex(ls, /etc-link -> \/etc/)
  // The link's target in the image is the image's own /etc, never the host's file.
  t.not(runIn('localhost/links:1', '/bin/cat', '/ctx/shadow').stdout, readFileSync('/etc/shadow', 'utf8'))
  const up = context({ Dockerfile: `FROM ${BASE}\nCOPY ../x /x\n` })
  const r = build(up)
  t.is(r.code, 1)
  t.regex(r.stderr, /forbidden path outside the build context: \.\.\/x/)
  const abs = context({ Dockerfile: `FROM ${BASE}\nCOPY /etc/passwd /x\n` })
  const a = build(abs)
  t.is(a.code, 1)
  t.regex(a.stderr, /"\/etc\/passwd": not found/)
  // A link in the context is no way out either: COPY through it finds nothing.
  const via = context({ Dockerfile: `FROM ${BASE}\nCOPY etc-link/passwd /x\n` })
  symlinkSync('/etc', join(via, 'etc-link'))
  const v = build(via)
  t.is(v.code, 1)
})

serial('.dockerignore: what it excludes is not in the context; ! exceptions are', (t) => {
  const dir = context({
    'keep.md': 'k\n',
    'drop.md': 'd\n',
    'secret/key': 's\n',
    '.dockerignore': '*.md\n!keep.md\nsecret\n',
    Dockerfile: `FROM ${BASE}\nCOPY . /c/\n`,
  })
  ok(t, build(dir, ['-t', 'localhost/ignore:1']))
  const ls = runIn('localhost/ignore:1', '/bin/ls', '-A', '/c').stdout.split('\n').filter(Boolean).sort()
  t.deepEqual(ls, ['.dockerignore', 'Dockerfile', 'keep.md'])
})

serial('reproducible: with SOURCE_DATE_EPOCH two builds without cache give the same digest', (t) => {
  const dir = context({ 'f.txt': 'f\n', Dockerfile: `FROM ${BASE}\nCOPY f.txt /f\nRUN echo x > /made\nENV A=1\n` })
  const env = { SOURCE_DATE_EPOCH: '1700000000' }
  const a = ok(t, build(dir, ['--no-cache', '-q'], env)).stdout.trim()
  const b = ok(t, build(dir, ['--no-cache', '-q'], env)).stdout.trim()
  t.regex(a, /^sha256:[0-9a-f]{64}$/)
  t.is(a, b)
  t.is(inspect(a).Created, '2023-11-14T22:13:20Z')
})

serial('-q prints only the ID, --iidfile writes it, --json gives one object per event then the result', (t) => {
  const dir = context({ Dockerfile: `FROM ${BASE}\nRUN echo out\n` })
  const iid = join(dir, 'iid')
  const q = ok(t, build(dir, ['-q', '--iidfile', iid, '--no-cache']))
  t.regex(q.stdout, /^sha256:[0-9a-f]{64}\n$/)
  t.is(readFileSync(iid, 'utf8'), q.stdout.trim())
  t.notRegex(q.stderr, /^#\d+ out$/m)
  const j = ok(t, build(dir, ['--json', '--no-cache']))
  const lines = j.stdout.split('\n')
  const events = lines.filter((l) => l.startsWith('{"event"')).map((l) => JSON.parse(l))
  t.true(events.some((e) => e.event === 'output' && e.line === 'out'))
  t.true(events.some((e) => e.event === 'step' && e.instruction === 'RUN echo out'))
  // Then the result, as every --json command prints it.
  const result = JSON.parse(lines.filter((l) => !l.startsWith('{"event"')).join('\n'))
  t.regex(result.id, /^sha256:/)
})

serial('builder prune drops the cache: the next build runs its steps again', (t) => {
  const dir = context({ Dockerfile: `FROM ${BASE}\nRUN echo pruned-step\n` })
  ok(t, build(dir))
  t.notRegex(ok(t, build(dir)).stderr, /^#\d+ pruned-step$/m)
  ok(t, tsc(root, ['builder', 'prune', '-f']))
  t.regex(ok(t, build(dir)).stderr, /^#\d+ pruned-step$/m)
})

serial("commit: a container's changes become a layer (deletions as whiteouts), --change and -m in the image; the runtime's mount points are no change", (t) => {
  const name = `commit-${process.pid}`
  ok(t, tsc(root, ['run', '--name', name, '--entrypoint', '/bin/sh', BASE, '-c', 'echo committed > /new && rm /etc/group']))
  const r = ok(t, tsc(root, ['commit', '-c', 'CMD ["/new"]', '-c', 'ENV X=1', '-m', 'a message', '-a', 'someone', name, 'localhost/committed:1']))
  t.regex(r.stdout, /^sha256:[0-9a-f]{64}\n$/)
  const bad = tsc(root, ['commit', '-c', 'RUN echo no', name])
  t.is(bad.code, 125)
  t.regex(bad.stderr, /RUN is not a valid change command/)
  ok(t, tsc(root, ['rm', name]))
  t.is(runIn('localhost/committed:1', '/bin/cat', '/new').stdout, 'committed\n')
  const ls = runIn('localhost/committed:1', '/bin/ls', '/etc').stdout.split('\n')
  t.false(ls.includes('group'))
  const img = inspect('localhost/committed:1')
  t.deepEqual(img.Config.Cmd, ['/new'])
  t.true(img.Config.Env.includes('X=1'))
  const hist = JSON.parse(tsc(root, ['history', '--json', 'localhost/committed:1']).stdout)
  t.is(hist[0].comment, 'a message')
  // The layer holds the step's files only: /etc/hosts and the like were mount points.
  const etc = readdirSync(join(root, 'images/layers', img.RootFS.Layers.at(-1).slice(7), 'etc'))
  for (const stub of ['hosts', 'hostname', 'resolv.conf']) t.false(etc.includes(stub), stub)
})

serial('RUN --mount: a cache persists between builds and stays out of the layers; a bind of the context is read-only and keys the cache', (t) => {
  const dir = context({
    'src/data.txt': 'd1\n',
    Dockerfile: `FROM ${BASE}\nRUN --mount=type=cache,target=/var/cache/pkg echo run >> /var/cache/pkg/log && cat /var/cache/pkg/log > /seen\nRUN --mount=type=bind,source=src,target=/mnt cat /mnt/data.txt > /copied\n`,
  })
  ok(t, build(dir, ['-t', 'localhost/mounts:1']))
  t.is(runIn('localhost/mounts:1', '/bin/cat', '/seen').stdout, 'run\n')
  t.is(runIn('localhost/mounts:1', '/bin/cat', '/copied').stdout, 'd1\n')
  // The cache mount's target is not in the image: neither its content nor its mount point.
  t.not(runIn('localhost/mounts:1', '/bin/ls', '/var/cache/pkg').code, 0)
  ok(t, build(dir, ['--no-cache', '-t', 'localhost/mounts:2']))
  t.is(runIn('localhost/mounts:2', '/bin/cat', '/seen').stdout, 'run\nrun\n')
  // Changing the bound file reruns the step that binds it, and only that one.
  writeFileSync(join(dir, 'src/data.txt'), 'd2\n')
  const r = ok(t, build(dir, ['-t', 'localhost/mounts:3']))
  t.is((r.stderr.match(/CACHED/g) ?? []).length, 1, r.stderr)
  t.is(runIn('localhost/mounts:3', '/bin/cat', '/copied').stdout, 'd2\n')
  // A bind is read-only; a symlink is not followed to find its source.
  const ro = context({ 'src/f': 'x', Dockerfile: `FROM ${BASE}\nRUN --mount=type=bind,source=src,target=/mnt echo no > /mnt/f\n` })
  t.is(build(ro).code, 1)
  t.is(readFileSync(join(ro, 'src/f'), 'utf8'), 'x')
  // A flag not supported yet is refused, never ignored.
  const git = build(context({ Dockerfile: `FROM ${BASE}\nADD --keep-git-dir=true ./a /x/\n` }))
  t.is(git.code, 1)
  t.regex(git.stderr, /ADD --keep-git-dir is not supported yet/)
  const link = context({ Dockerfile: `FROM ${BASE}\nRUN --mount=type=bind,source=etc,target=/mnt cat /mnt/passwd\n` })
  symlinkSync('/etc', join(link, 'etc'))
  const l = build(link)
  t.is(l.code, 1)
  t.regex(l.stderr, /a symbolic link is not followed/)
})

serial('RUN --mount=type=tmpfs and a rw bind: the step writes, nothing reaches the image or the context; RUN --network=none sees only lo', (t) => {
  const onTmpfs = `while read l; do case "$l" in *" /scratch tmpfs "*) echo "$l" > /tmpfs-line;; esac; done < /proc/mounts`
  const dir = context({
    'src/data.txt': 'd\n',
    Dockerfile: [
      `FROM ${BASE}`,
      `RUN --mount=type=tmpfs,target=/scratch,size=1m echo t > /scratch/x && ${onTmpfs}`,
      'RUN --mount=type=bind,source=src,target=/mnt,rw echo new > /mnt/new && cat /mnt/new /mnt/data.txt > /rw-seen',
      'RUN --network=none ls /sys/class/net > /nets',
      '',
    ].join('\n'),
  })
  ok(t, build(dir, ['-t', 'localhost/tmpfs-rw:1']))
  t.regex(runIn('localhost/tmpfs-rw:1', '/bin/cat', '/tmpfs-line').stdout, /^tmpfs \/scratch tmpfs .*size=1024k/)
  t.not(runIn('localhost/tmpfs-rw:1', '/bin/ls', '/scratch').code, 0, 'the tmpfs mount point is no change of the step')
  t.is(runIn('localhost/tmpfs-rw:1', '/bin/cat', '/rw-seen').stdout, 'new\nd\n')
  t.not(runIn('localhost/tmpfs-rw:1', '/bin/ls', '/mnt/new').code, 0)
  t.deepEqual(readdirSync(join(dir, 'src')), ['data.txt'], 'the context is unchanged')
  t.deepEqual(readdirSync(join(root, 'builder', 'tmp')), [], 'the rw copy is removed')
  t.is(runIn('localhost/tmpfs-rw:1', '/bin/cat', '/nets').stdout, 'lo\n')
  const bad = build(context({ Dockerfile: `FROM ${BASE}\nRUN --network=bridge2 true\n` }))
  t.is(bad.code, 1)
  t.regex(bad.stderr, /unsupported network mode "bridge2"/)
  const insecure = build(context({ Dockerfile: `FROM ${BASE}\nRUN --security=insecure true\n` }))
  t.is(insecure.code, 1)
  t.regex(insecure.stderr, /only sandbox is allowed/)
})

serial(
  'ADD URL downloads the file (0600, redirects followed), --checksum verifies it; a 404, a wrong checksum and COPY of a URL fail and leave nothing',
  async (t) => {
    // The server is another process: this test's own event loop is blocked while tsc runs.
    const server = spawn(
      process.execPath,
      [
        '-e',
        `require('http').createServer((q, s) => {
        if (q.url === '/files/hello.txt') { s.writeHead(200, {'last-modified': 'Tue, 01 Jan 2030 00:00:00 GMT'}); s.end('hi\\n') }
        else if (q.url === '/redirect') { s.writeHead(302, {location: '/files/hello.txt'}); s.end() }
        else { s.writeHead(404); s.end() }
      }).listen(0, '127.0.0.1', function () { console.log(this.address().port) })`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    t.teardown(() => server.kill())
    const port = await new Promise<string>((resolve) => server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())))
    const base = `http://127.0.0.1:${port}`
    const sha = createHash('sha256').update('hi\n').digest('hex')
    const dir = context({ Dockerfile: `FROM ${BASE}\nADD ${base}/files/hello.txt /opt/\nADD --checksum=sha256:${sha} ${base}/redirect /opt/renamed.txt\n` })
    ok(t, build(dir, ['-t', 'localhost/addurl:1']))
    t.is(runIn('localhost/addurl:1', '/bin/cat', '/opt/hello.txt', '/opt/renamed.txt').stdout, 'hi\nhi\n')
    t.regex(runIn('localhost/addurl:1', '/bin/ls', '-l', '/opt/hello.txt').stdout, /^-rw------- /)
    t.regex(runIn('localhost/addurl:1', '/bin/ls', '-l', '--time-style=+%Y', '/opt/hello.txt').stdout, / 2030 /)
    const before = leftovers()
    const wrong = build(context({ Dockerfile: `FROM ${BASE}\nADD --checksum=sha256:${'0'.repeat(64)} ${base}/files/hello.txt /x\n` }))
    t.is(wrong.code, 1)
    t.regex(wrong.stderr, /is not the expected sha256:0{64}/)
    const missing = build(context({ Dockerfile: `FROM ${BASE}\nADD ${base}/nope /x\n` }))
    t.is(missing.code, 1)
    t.regex(missing.stderr, /the server answered 404/)
    const copy = build(context({ Dockerfile: `FROM ${BASE}\nCOPY ${base}/files/hello.txt /x\n` }))
    t.is(copy.code, 1)
    t.regex(copy.stderr, /source can't be a URL for COPY/)
    t.deepEqual(leftovers(), before)
    t.deepEqual(readdirSync(join(root, 'builder', 'tmp')), [])
  },
)

serial('COPY --exclude leaves out what its patterns match, relative to each source, and keys the cache', (t) => {
  const dir = context({
    'app/main.sh': 'm',
    'app/README.md': 'r',
    'app/docs/guide.md': 'g',
    'app/lib/util.sh': 'u',
    'home.txt': 'h',
    'homer.sh': 's',
    Dockerfile: `FROM ${BASE}\nCOPY --exclude=*.md --exclude=**/*.md app /app/\nCOPY --exclude=*.txt hom* /mydir/\n`,
  })
  ok(t, build(dir, ['-t', 'localhost/exclude:1']))
  const ls = (p: string) => runIn('localhost/exclude:1', '/bin/ls', '-R', p).stdout
  t.is(ls('/app'), '/app:\ndocs\nlib\nmain.sh\n\n/app/docs:\n\n/app/lib:\nutil.sh\n')
  t.is(ls('/mydir'), '/mydir:\nhomer.sh\n')
  // Another pattern is another step.
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${BASE}\nCOPY --exclude=*.sh app /app/\n`)
  const r = ok(t, build(dir, ['-t', 'localhost/exclude:2']))
  t.notRegex(r.stderr, /CACHED/)
  t.is(runIn('localhost/exclude:2', '/bin/ls', '/app').stdout, 'README.md\ndocs\nlib\n')
})

serial("COPY --parents keeps each source's path, below a /./ pivot when the source has one", (t) => {
  const dir = context({
    'x/a.txt': 'xa',
    'y/a.txt': 'ya',
    'deep/keep/./sub/b.txt': 'b',
    'tree/d/e.txt': 'e',
    Dockerfile: `FROM ${BASE}\nCOPY --parents ./x/a.txt y/*.txt /p/\nCOPY --parents deep/keep/./sub/b.txt tree /q/\nCOPY x/a.txt y/a.txt /flat/\n`,
  })
  ok(t, build(dir, ['-t', 'localhost/parents:1']))
  const cat = (...p: string[]) => runIn('localhost/parents:1', '/bin/cat', ...p)
  t.is(cat('/p/x/a.txt', '/p/y/a.txt').stdout, 'xaya')
  t.is(cat('/q/sub/b.txt', '/q/tree/d/e.txt').stdout, 'be')
  t.is(runIn('localhost/parents:1', '/bin/ls', '/flat').stdout, 'a.txt\n', 'without --parents the names collide, as docker')
})

serial('build --shm-size and --ulimit reach RUN steps; a bad value is refused before any step', (t) => {
  const shm = `while read l; do case "$l" in *" /dev/shm "*) echo "$l" > /shm;; esac; done < /proc/mounts`
  const dir = context({ Dockerfile: `FROM ${BASE}\nRUN ${shm} && ulimit -Sn > /nofile\n` })
  ok(t, build(dir, ['--shm-size', '2m', '--ulimit', 'nofile=900:1000', '-t', 'localhost/limits:1']))
  t.regex(runIn('localhost/limits:1', '/bin/cat', '/shm').stdout, /size=2048k/)
  t.is(runIn('localhost/limits:1', '/bin/cat', '/nofile').stdout, '900\n')
  const bad = build(dir, ['--ulimit', 'nofile=9:1', '-t', 'localhost/limits:2'])
  t.is(bad.code, 125)
  t.regex(bad.stderr, /the soft limit 9 is above the hard limit 1/)
  t.notRegex(bad.stderr, /STEP|\[1\//)
})

serial('Ctrl-C during a RUN stops the build with nothing left: no container, overlay or image', async (t) => {
  const before = leftovers()
  const dir = context({ Dockerfile: `FROM ${BASE}\nRUN echo started && exec /bin/cat\n` })
  const child = tscSpawn(root, ['build', '--no-cache', '-t', 'localhost/interrupted:1', dir], { stdio: ['pipe', 'pipe', 'pipe'] })
  const done = collect(child)
  // The progress is on stderr.
  let seen = ''
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no output: ${seen}`)), 30_000)
    child.stderr!.on('data', (d: Buffer) => {
      seen += d.toString()
      if (seen.includes('started')) {
        clearTimeout(timer)
        res()
      }
    })
  })
  child.kill('SIGINT')
  const r = await done
  t.is(r.code, 1, r.stderr)
  t.regex(r.stderr, /interrupted/)
  t.deepEqual(leftovers(), before)
  t.is(tsc(root, ['image', 'inspect', 'localhost/interrupted:1']).code, 1)
})

serial('ADD unpacks a local archive (gzip, bzip2, xz) with its owners, with the checks of a layer; a hostile archive is refused and leaves nothing', (t) => {
  const dir = context({
    'tree/app/run.sh': '#!/bin/sh\necho from-archive\n',
    Dockerfile: `FROM ${BASE}\nADD app.tar.gz /opt/\nADD plain.txt /opt/plain.txt\nADD app.tar.bz2 /bz/\nADD app.tar.xz /xz/\n`,
  })
  writeFileSync(join(dir, 'plain.txt'), 'p\n')
  execFileSync('tar', ['-czf', join(dir, 'app.tar.gz'), '--owner=123', '--group=456', '-C', join(dir, 'tree'), 'app'])
  execFileSync('tar', ['-cjf', join(dir, 'app.tar.bz2'), '-C', join(dir, 'tree'), 'app'])
  execFileSync('tar', ['-cJf', join(dir, 'app.tar.xz'), '-C', join(dir, 'tree'), 'app'])
  ok(t, build(dir, ['-t', 'localhost/add:1']))
  t.is(runIn('localhost/add:1', '/bin/cat', '/opt/app/run.sh').stdout, '#!/bin/sh\necho from-archive\n')
  t.regex(runIn('localhost/add:1', '/bin/ls', '-ln', '/opt/app').stdout, / 123 +456 /)
  t.is(runIn('localhost/add:1', '/bin/cat', '/opt/plain.txt').stdout, 'p\n')
  t.is(runIn('localhost/add:1', '/bin/cat', '/bz/app/run.sh').stdout, '#!/bin/sh\necho from-archive\n')
  t.is(runIn('localhost/add:1', '/bin/cat', '/xz/app/run.sh').stdout, '#!/bin/sh\necho from-archive\n')
  // A member that climbs out of its directory.
  const evil = context({ Dockerfile: `FROM ${BASE}\nADD evil.tar /opt/\n` })
  const before = leftovers()
  execFileSync('sh', ['-c', `cd ${evil} && mkdir -p a && echo x > a/f && tar -cf evil.tar --transform 's,^a/f,../../escaped,' a/f`])
  const r = build(evil, ['-t', 'localhost/evil:1'])
  t.is(r.code, 1, r.stderr)
  t.regex(r.stderr, /ADD evil\.tar: .*escaped/)
  t.deepEqual(leftovers(), before)
  t.is(tsc(root, ['image', 'inspect', 'localhost/evil:1']).code, 1)
  t.deepEqual(readdirSync(join(root, 'builder', 'tmp')), [])
})

serial("diff lists A/C/D; export writes the container's filesystem as a tar; import makes an image of such a tar", (t) => {
  const name = `diffexp-${process.pid}`
  ok(
    t,
    tsc(root, [
      'run',
      '--name',
      name,
      '--entrypoint',
      '/bin/sh',
      BASE,
      '-c',
      'mkdir /added && echo a > /added/f && echo changed > /etc/passwd && rm /etc/group',
    ]),
  )
  const diff = ok(t, tsc(root, ['diff', name]))
    .stdout.trim()
    .split('\n')
  t.deepEqual(diff, ['A /added', 'A /added/f', 'C /etc', 'D /etc/group', 'C /etc/passwd'])
  const tarFile = join(mkdtempSync(join(tmpdir(), 'tsc-box-export-')), 'fs.tar')
  ok(t, tsc(root, ['export', '-o', tarFile, name]))
  const listing = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).split('\n')
  t.true(listing.includes('added/f'))
  t.true(listing.includes('bin/sh') || listing.some((l) => l.endsWith('/sh')))
  t.false(listing.includes('etc/group'))
  t.is(execFileSync('tar', ['-xOf', tarFile, 'etc/passwd'], { encoding: 'utf8' }), 'changed\n')
  // Through stdout too, byte for byte the same.
  const same = spawnSync('sh', ['-c', `"$0" export "$1" | cmp - "$2"`, BIN, name, tarFile], { env: { ...process.env, TSC_BOX_ROOT: root }, encoding: 'utf8' })
  t.is(same.status, 0, same.stdout + same.stderr)
  ok(t, tsc(root, ['rm', name]))
  const imported = ok(t, tsc(root, ['import', '-c', 'ENTRYPOINT ["/bin/cat"]', tarFile, 'localhost/imported:1'])).stdout.trim()
  t.regex(imported, /^sha256:[0-9a-f]{64}$/)
  t.is(ok(t, tsc(root, ['run', '--rm', 'localhost/imported:1', '/added/f'])).stdout, 'a\n')
  t.is(inspect('localhost/imported:1').RootFS.Layers.length, 1)
})

serial('ONBUILD, HEALTHCHECK, SHELL, COPY heredocs, --chown/--chmod, -f -, and an ARG of the global scope taken into a stage', (t) => {
  const parent = context({ Dockerfile: `FROM ${BASE}\nONBUILD RUN echo triggered > /onbuild\n` })
  ok(t, build(parent, ['-t', 'localhost/parent:1']))
  t.deepEqual(inspect('localhost/parent:1').Config.OnBuild, ['RUN echo triggered > /onbuild'])
  const dir = context({ 'f.txt': 'f\n' })
  const dockerfile = [
    'ARG GREETING=hello',
    'FROM localhost/parent:1',
    'ARG GREETING',
    'SHELL ["/bin/sh", "-c"]',
    'RUN echo "$GREETING" > /greeting',
    'COPY --chown=12:34 --chmod=640 f.txt /owned',
    'COPY <<EOF /etc/app.conf',
    `key=\${GREETING}`,
    'EOF',
    'HEALTHCHECK --interval=30s --timeout=5s --retries=2 CMD /bin/cat /greeting',
    '',
  ].join('\n')
  const r = tsc(root, ['build', '-f', '-', '-t', 'localhost/child:1', dir], dockerfile)
  t.is(r.code, 0, r.stderr)
  t.is(runIn('localhost/child:1', '/bin/cat', '/onbuild').stdout, 'triggered\n')
  t.is(runIn('localhost/child:1', '/bin/cat', '/greeting').stdout, 'hello\n')
  t.is(runIn('localhost/child:1', '/bin/cat', '/etc/app.conf').stdout, 'key=hello\n')
  t.regex(runIn('localhost/child:1', '/bin/ls', '-ln', '/owned').stdout, /^-rw-r----- +1 12 +34 /)
  const img = inspect('localhost/child:1')
  t.deepEqual(img.Config.Healthcheck, { Test: ['CMD-SHELL', '/bin/cat /greeting'], Interval: 30e9, Timeout: 5e9, Retries: 2 })
  t.deepEqual(img.Config.Shell, ['/bin/sh', '-c'])
  // The trigger ran once, for this child: it is not inherited further.
  t.is(img.Config.OnBuild, undefined)
})

serial('RUN --mount=type=secret: the step reads it; it is in no layer and not in the history', (t) => {
  const dir = context({
    Dockerfile: `FROM ${BASE}\nRUN --mount=type=secret,id=tok read v < /run/secrets/tok && [ "$v" = "$(/bin/cat /run/secrets/tok)" ] && [ -n "$v" ] && echo ok > /ok\n`,
  })
  const secret = join(dir, 'tok.txt')
  writeFileSync(secret, 's3cr3t-value\n')
  ok(t, build(dir, ['--secret', `id=tok,src=${secret}`, '-t', 'localhost/secret:1']))
  t.is(runIn('localhost/secret:1', '/bin/cat', '/ok').stdout, 'ok\n')
  const img = inspect('localhost/secret:1')
  for (const l of img.RootFS.Layers as string[]) {
    const files = execFileSync(
      'sh',
      ['-c', `cd "$0" && find . -type f -exec cat {} + 2>/dev/null | grep -c s3cr3t-value || true`, join(root, 'images/layers', l.slice(7))],
      { encoding: 'utf8' },
    )
    t.is(files.trim(), '0', l)
  }
  t.notRegex(tsc(root, ['history', '--no-trunc', 'localhost/secret:1']).stdout, /s3cr3t-value/)
  // Nor its mount point, nor the directories made to hold it (the base image has no /run).
  t.not(runIn('localhost/secret:1', '/bin/ls', '/run').code, 0)
  // A secret the Dockerfile requires but the build was not given fails the step.
  const missing = context({ Dockerfile: `FROM ${BASE}\nRUN --mount=type=secret,id=nope,required=true true\n` })
  const r = build(missing)
  t.is(r.code, 1)
  t.regex(r.stderr, /secret nope not found/)
})

serial('build - reads a tar of the context from stdin, or a Dockerfile alone; --add-host reaches RUN', (t) => {
  const dir = context({ 'in.txt': 'from-a-tar\n', Dockerfile: `FROM ${BASE}\nCOPY in.txt /in.txt\nRUN /bin/cat /etc/hosts > /hosts\n` })
  const tarball = execFileSync('tar', ['-czf', '-', '-C', dir, '.'])
  const r = spawnSync(BIN, ['build', '--add-host', 'build-host.example:10.1.2.3', '-t', 'localhost/stdin:1', '-'], {
    input: tarball,
    env: { ...process.env, TSC_BOX_ROOT: root },
    encoding: 'utf8',
  })
  t.is(r.status, 0, r.stderr)
  t.is(runIn('localhost/stdin:1', '/bin/cat', '/in.txt').stdout, 'from-a-tar\n')
  t.regex(runIn('localhost/stdin:1', '/bin/cat', '/hosts').stdout, /10\.1\.2\.3\s+build-host\.example/)
  const alone = tsc(root, ['build', '-t', 'localhost/stdin:2', '-'], `FROM ${BASE}\nENV ONLY=dockerfile\n`)
  t.is(alone.code, 0, alone.stderr)
  t.true(inspect('localhost/stdin:2').Config.Env.includes('ONLY=dockerfile'))
})

serial('FROM host:PATH starts from a minimal image of a host binary', (t) => {
  const dir = context({ Dockerfile: 'FROM host:/bin/sh\nRUN echo "from the host\'s sh" > /made\n' })
  ok(t, build(dir, ['-t', 'localhost/fromhost:1']))
  t.is(tsc(root, ['run', '--rm', 'localhost/fromhost:1', '-c', 'read l < /made; echo "$l"']).stdout, "from the host's sh\n")
})

serial('steps that made the same layer (stored once) stack: a later RUN and COPY mount over both', (t) => {
  // Under SOURCE_DATE_EPOCH the same write twice is the same layer, one directory in the store.
  const dir = context({
    Dockerfile: `FROM ${BASE}\nRUN echo same > /same\nRUN echo other > /other\nRUN echo same > /same\nRUN cat /same /other\nCOPY a.txt /a.txt\n`,
    'a.txt': 'a\n',
  })
  ok(t, build(dir, ['--no-cache', '-t', 'localhost/samelayer:1'], { SOURCE_DATE_EPOCH: '1700000000' }))
  const diffIds: string[] = inspect('localhost/samelayer:1').RootFS.Layers
  t.true(diffIds.length > new Set(diffIds).size, 'a layer repeated')
  t.is(runIn('localhost/samelayer:1', 'cat', '/same', '/other', '/a.txt').stdout, 'same\nother\na\n')
})

serial('a RUN step whose changes cannot be a layer (a name OCI reserves for deletions) fails cleanly', (t) => {
  const before = leftovers()
  const dir = context({ Dockerfile: `FROM ${BASE}\nRUN echo x > /.wh.sneaky\n` })
  const r = build(dir, ['-t', 'localhost/reserved:1'])
  t.is(r.code, 1)
  t.regex(r.stderr, /\.wh\.sneaky: a name beginning with \.wh\. cannot go into a layer/)
  t.deepEqual(leftovers(), before)
  t.is(tsc(root, ['image', 'inspect', 'localhost/reserved:1']).code, 1)
})

serial('independent stages build in parallel: a stage waiting for a file another writes finishes', (t) => {
  // Both stages share a cache mount; `waiter` gives up after a bounded busy loop unless
  // `writer`, built at the same time, has left the flag there.
  const wait = 'i=0; while [ ! -e /c/flag ] && [ $i -lt 3000000 ]; do i=$((i+1)); done; [ -e /c/flag ] && echo seen > /seen'
  const dir = context({
    Dockerfile: [
      `FROM ${BASE} AS waiter`,
      `RUN --mount=type=cache,id=par-${process.pid},target=/c ${wait}`,
      `FROM ${BASE} AS writer`,
      `RUN --mount=type=cache,id=par-${process.pid},target=/c echo > /c/flag && echo wrote > /wrote`,
      'FROM scratch',
      'COPY --from=waiter /seen /seen',
      'COPY --from=writer /wrote /wrote',
      '',
    ].join('\n'),
  })
  const r = build(dir, ['-t', 'localhost/parallel:1'])
  t.is(r.code, 0, r.stderr)
  t.is(inspect('localhost/parallel:1').RootFS.Layers.length, 2)
})
