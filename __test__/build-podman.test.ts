// The same Dockerfile built by tsc-box and by podman build (buildah, chroot isolation: no
// runtime of its own needed) over the same base image gives the same config and the same
// files; podman and skopeo read the image tsc-box built.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, type Result, tsc } from './helpers/cli'
import { serialIf } from './helpers/conditional'

const has = (cmd: string) => spawnSync(cmd, ['--version']).status === 0
const serial = serialIf(process.getuid?.() === 0 && has('podman') && has('skopeo'), 'needs root, podman and skopeo')
const root = makeDataRoot()
const pstore = mkdtempSync(join(tmpdir(), 'tsc-box-podman-'))
const podman = (...args: string[]) =>
  spawnSync('podman', ['--root', join(pstore, 'root'), '--runroot', join(pstore, 'run'), '--storage-driver', 'overlay', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  })

function ok(t: { is: (a: unknown, b: unknown, m?: string) => void }, r: Result | ReturnType<typeof podman>): void {
  const code = 'code' in r ? r.code : r.status
  t.is(code, 0, `${r.stdout}\n${r.stderr}`)
}

/** Path, type, mode, owner and content digest of each member under `prefix` of a tar. */
function members(tarFile: string, prefix: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-members-'))
  execFileSync('tar', ['-xpf', tarFile, '-C', dir, prefix])
  return execFileSync(
    'sh',
    ['-c', `cd "$0" && find ${prefix} | sort | while read -r p; do stat -c '%n %F %a %u:%g' "$p"; [ -f "$p" ] && sha256sum < "$p"; done`, dir],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n')
}

serial("podman build and tsc-box build of one Dockerfile: the same config and files; podman and skopeo read tsc-box's image", (t) => {
  ok(t, tsc(root, ['image', 'from-host', 'localhost/pbase:1', '/bin/sh', '/bin/cat', '/bin/mkdir', '/bin/chmod']))
  const base = join(pstore, 'base.tar')
  ok(t, tsc(root, ['save', '-o', base, 'localhost/pbase:1']))
  ok(t, podman('load', '-i', base))
  const ctx = mkdtempSync(join(tmpdir(), 'tsc-box-pctx-'))
  mkdirSync(join(ctx, 'sub'))
  writeFileSync(join(ctx, 'hello.txt'), 'hello\n')
  writeFileSync(join(ctx, 'sub/a'), 'a\n')
  writeFileSync(
    join(ctx, 'Dockerfile'),
    'FROM localhost/pbase:1\nENV A=x B="y z"\nWORKDIR /app\nCOPY hello.txt .\nCOPY sub /app/sub/\nRUN echo made > /app/made && chmod 600 /app/made\nCMD ["/bin/cat", "/app/made"]\nENTRYPOINT ["/bin/sh", "-c"]\nLABEL x=y\nEXPOSE 80 53/udp\nUSER 1000\nVOLUME /data\nSTOPSIGNAL SIGINT\n',
  )
  ok(t, tsc(root, ['build', '-t', 'localhost/same:1', ctx]))
  ok(t, podman('build', '--isolation=chroot', '-t', 'localhost/same:1', ctx))
  const ours = JSON.parse(tsc(root, ['image', 'inspect', 'localhost/same:1']).stdout)[0].Config
  const theirs = JSON.parse(podman('inspect', 'localhost/same:1', '--format', '{{json .Config}}').stdout)
  delete theirs.Labels['io.buildah.version']
  for (const field of ['Env', 'Entrypoint', 'Cmd', 'WorkingDir', 'User', 'ExposedPorts', 'Labels', 'Volumes', 'StopSignal'])
    t.deepEqual(ours[field], theirs[field], field)
  // The files: each engine's container filesystem, exported.
  const name = `same-${process.pid}`
  ok(t, tsc(root, ['create', '--name', name, 'localhost/same:1']))
  const oursTar = join(pstore, 'ours.tar')
  ok(t, tsc(root, ['export', '-o', oursTar, name]))
  ok(t, tsc(root, ['rm', name]))
  ok(t, podman('create', '--name', name, 'localhost/same:1'))
  const theirsTar = join(pstore, 'theirs.tar')
  ok(t, podman('export', '-o', theirsTar, name))
  t.deepEqual(members(oursTar, 'app'), members(theirsTar, 'app'))
  // skopeo and podman read the image tsc-box built.
  const archive = join(pstore, 'same.tar')
  ok(t, tsc(root, ['save', '-o', archive, 'localhost/same:1']))
  const sk = spawnSync('skopeo', ['inspect', '--config', `oci-archive:${archive}`], { encoding: 'utf8' })
  ok(t, { code: sk.status, stdout: sk.stdout, stderr: sk.stderr, signal: null })
  t.deepEqual(JSON.parse(sk.stdout).config.Cmd, ['/bin/cat', '/app/made'])
  ok(t, podman('rmi', '-f', 'localhost/same:1'))
  ok(t, podman('load', '-i', archive))
  t.deepEqual(JSON.parse(podman('inspect', 'localhost/same:1', '--format', '{{json .Config}}').stdout).Cmd, ['/bin/cat', '/app/made'])
})
