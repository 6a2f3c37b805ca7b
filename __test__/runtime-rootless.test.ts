// Rootless tsc-box: a test user with /etc/subuid and /etc/subgid ranges runs `tsc-box run`
// (setpriv drops to it), the runtime makes the user namespace and newuidmap/newgidmap write the
// maps. Checks the maps, who owns what a container writes on the host, that the mapped root
// cannot change host files it can reach, and cgroup limits: refused with the how-to when
// nothing is delegated, enforced below a delegated cgroup v2 subtree (pure v2 hosts; on v1 and
// hybrid hosts limits stay refused without root, which is asserted instead).
// The user, its ranges and every delegated cgroup are removed afterwards.
import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, RUNTIME, tsc, type Result } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { addLine, removeLines, RootlessUser } from './helpers/rootless-user'
import { installProbe } from './helpers/security-probe'
import { contentHashes, makeArchive } from './image-fixtures'
import { startRegistry } from './image-registry-fixtures'

const tag = randomBytes(3).toString('hex')
// Ranges far from the usual 100000+ ones other users get.
const SUB_START = 1_500_000 + (parseInt(tag, 16) % 200) * 131072
const SUB_COUNT = 131072
// Made by test.before (no test runs when it fails).
let user: RootlessUser
let rootfs = ''
const cgroupsMade: string[] = []

const pureV2 = (() => {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => / \/sys\/fs\/cgroup .* - cgroup2 /.test(l))
  } catch {
    return false
  }
})()

// Root's --userns=auto hands out the ranges of the user "tsc-box"; the test adds one.
const AUTO_START = 3_000_000_000 + (parseInt(tag, 16) % 100) * 262144
const AUTO_OWNER_LINE = `tsc-box:${AUTO_START}:131072`

test.before(() => {
  user = RootlessUser.create(`tsbrl${tag}`, SUB_START, SUB_COUNT)
  rootfs = makeRootfs()
  installProbe(rootfs)
  // Under --userns=auto the container's root is not the rootfs's owner: mount points exist.
  mkdirSync(join(rootfs, 'vol'))
  // Its own files, as an image unpacked by the user would be.
  user.own(rootfs)
})

test.after.always(() => {
  for (const d of cgroupsMade.reverse()) {
    try {
      rmSync(d, { recursive: false, force: true })
    } catch {
      // rmdir below
    }
    spawnSync('rmdir', [d])
  }
  if (user) user.remove()
  for (const f of ['/etc/subuid', '/etc/subgid']) removeLines(f, (l) => l === AUTO_OWNER_LINE)
  if (rootfs) rmSync(rootfs, { recursive: true, force: true })
})

/** `tsc-box ARGS` as the test user, optionally from inside the cgroup `cgroupDir`. */
function asUser(args: string[], cgroupDir?: string, env: Record<string, string> = {}): Result {
  // Root moves the shell into the delegated cgroup, then it becomes the user.
  const wrapper = cgroupDir ? ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroupDir] : []
  return user.run(args, { env, wrapper })
}

/**
 * `tsc-box-runtime --cli ARGS` (the native front door of exec and rm) as the test user, with no
 * way back to Node: TSC_BOX_CLI_JS is not set, so a front that handed the command to Node
 * would fail instead of answering.
 */
function nativeAsUser(args: string[]): Result {
  const c = user.command(args)
  const argv = c.argv.map((a) => (a === BIN ? RUNTIME : a))
  const at = argv.indexOf(RUNTIME)
  argv.splice(at + 1, 0, '--cli')
  const r = spawnSync(c.cmd, argv, { env: c.env, encoding: 'utf8', timeout: 60_000, cwd: '/' })
  if (r.error) throw r.error
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

function userDir(prefix: string, mode = 0o755): string {
  const d = mkdtempSync(join(tmpdir(), prefix))
  user.own(d)
  chmodSync(d, mode)
  return d
}

function mapLines(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => /^\s*\d+\s+\d+\s+\d+\s*$/.test(l))
    .map((l) => l.trim().split(/\s+/).join(' '))
}

test.serial('a container runs as the user: root inside is the user, ids 1.. are its subuid range', (t) => {
  const r = asUser(['run', '--rm', '--rootfs', rootfs, 'sh', '-c', 'cat /proc/self/uid_map; cat /proc/self/gid_map; id -u'])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(mapLines(r.stdout), [`0 ${user.uid} 1`, `1 ${SUB_START} ${SUB_COUNT}`, `0 ${user.gid} 1`, `1 ${SUB_START} ${SUB_COUNT}`])
  t.regex(r.stdout, /^0$/m)
  // The default places: data under ~/.local/share, state under /tmp/tsc-box-UID (no XDG_RUNTIME_DIR), 0700.
  t.true(existsSync(join(user.home, '.local/share/tsc-box')))
  const st = statSync(`/tmp/tsc-box-${user.uid}`)
  t.is(st.uid, user.uid)
  t.is(st.mode & 0o777, 0o700)
})

test.serial("--userns=auto: uid 0 inside is a block of the user's subuid range on the host", (t) => {
  const vol = userDir('tsc-box-rl-auto-', 0o777)
  try {
    const r = asUser(['run', '--rm', '--userns=auto', '-v', `${vol}:/vol`, '--rootfs', rootfs, 'sh', '-c', 'cat /proc/self/uid_map; touch /vol/made-by-root'])
    t.is(r.code, 0, r.stderr)
    const lines = mapLines(r.stdout)
    t.is(lines.length, 1, r.stdout)
    const [inside, outside, size] = lines[0].split(' ').map(Number)
    t.is(inside, 0)
    t.is(size, 65536)
    t.true(outside >= SUB_START && outside + size <= SUB_START + SUB_COUNT, lines[0])
    t.is(statSync(join(vol, 'made-by-root')).uid, outside)
    // The block was given back with the container.
    const claims = join(user.home, '.local/share/tsc-box/userns')
    t.deepEqual(existsSync(claims) ? readdirSync(claims) : [], [])
  } finally {
    rmSync(vol, { recursive: true, force: true })
  }
})

test.serial('--userns=keep-id: the user keeps its uid and gid inside', (t) => {
  const r = asUser(['run', '--rm', '--userns=keep-id', '--rootfs', rootfs, 'sh', '-c', 'cat /proc/self/uid_map; id -u; id -g'])
  t.is(r.code, 0, r.stderr)
  t.true(mapLines(r.stdout).includes(`${user.uid} ${user.uid} 1`), r.stdout)
  t.true(mapLines(r.stdout).includes(`0 ${SUB_START} ${Math.min(user.uid, SUB_COUNT)}`), r.stdout)
  t.regex(r.stdout, new RegExp(`^${user.uid}\\n${user.gid}$`, 'm'))
})

test.serial('files a container creates on a volume belong to the mapped ids on the host', (t) => {
  const vol = userDir('tsc-box-rl-vol-')
  try {
    const r = asUser([
      'run',
      '--rm',
      '-v',
      `${vol}:/vol`,
      '--rootfs',
      rootfs,
      'sh',
      '-c',
      'touch /vol/by-root && touch /vol/by-app && chown 1000:1000 /vol/by-app',
    ])
    t.is(r.code, 0, r.stderr)
    t.is(statSync(join(vol, 'by-root')).uid, user.uid)
    t.is(statSync(join(vol, 'by-app')).uid, SUB_START + 999)
    t.is(statSync(join(vol, 'by-app')).gid, SUB_START + 999)
  } finally {
    rmSync(vol, { recursive: true, force: true })
  }
})

test.serial("the container's root cannot change host files it can reach", (t) => {
  const vol = mkdtempSync(join(tmpdir(), 'tsc-box-rl-victim-'))
  chmodSync(vol, 0o755)
  writeFileSync(join(vol, 'host-file'), 'host data\n', { mode: 0o644 })
  try {
    const r = asUser([
      'run',
      '--rm',
      '-v',
      `${vol}:/vol`,
      '--rootfs',
      rootfs,
      'sh',
      '-c',
      'probe openw /vol/host-file; probe mknod-char /vol/new; rm -f /vol/host-file 2>/dev/null && echo removed; ' +
        'chmod 777 /vol/host-file 2>/dev/null && echo chmodded; chown 0 /vol/host-file 2>/dev/null && echo chowned; ' +
        'touch /vol/new-file 2>/dev/null && echo created; probe openw /etc/../proc/sysrq-trigger; true',
    ])
    t.is(r.code, 0, r.stderr)
    t.regex(r.stdout, /^openw: EACCES$/m)
    t.notRegex(r.stdout, /^mknod-char: OK$/m)
    t.false(/^(removed|chmodded|chowned|created)$/m.test(r.stdout), r.stdout)
    t.is(readFileSync(join(vol, 'host-file'), 'utf8'), 'host data\n')
    t.is(statSync(join(vol, 'host-file')).mode & 0o7777, 0o644)
    t.is(statSync(join(vol, 'host-file')).uid, 0)
    t.deepEqual(readdirSync(vol), ['host-file'])
  } finally {
    rmSync(vol, { recursive: true, force: true })
  }
})

test.serial('the native rm serves a rootless caller: a running container goes, with its name and state, and Node is not asked', (t) => {
  const name = `nrm${tag}`
  const started = asUser(['run', '-d', '--name', name, '--rootfs', rootfs, 'sleep', '60'])
  t.is(started.code, 0, started.stderr)
  const id = started.stdout.trim()
  try {
    const refused = nativeAsUser(['rm', name])
    t.is(refused.code, 1, refused.stderr)
    t.regex(refused.stderr, /is running: stop it first or use --force/)
    const r = nativeAsUser(['rm', '-f', '--json', name])
    t.is(r.code, 0, r.stderr)
    t.deepEqual(JSON.parse(r.stdout), [{ id, name }])
    const data = join(user.home, '.local/share/tsc-box')
    t.false(existsSync(join(data, 'containers', id)))
    t.false(existsSync(join(data, 'names', name)))
    t.deepEqual(JSON.parse(asUser(['ps', '-a', '--json']).stdout), [])
  } finally {
    asUser(['rm', '-f', name])
  }
})

test.serial('exec joins a rootless container: its user namespace first, then the rest', (t) => {
  const name = `ex${tag}`
  const started = asUser(['run', '-d', '--name', name, '--rootfs', rootfs, 'sleep', '60'])
  t.is(started.code, 0, started.stderr)
  try {
    const r = asUser(['exec', name, 'sh', '-c', 'id -u; head -n1 /proc/self/uid_map; readlink /proc/self/ns/pid; readlink /proc/1/ns/pid'])
    t.is(r.code, 0, r.stderr)
    const [uid, map, own, init] = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim())
    t.is(uid, '0')
    t.regex(map!, new RegExp(`^0\\s+${user.uid}\\s+1$`))
    t.is(own, init, "exec did not join the container's pid namespace")
  } finally {
    t.is(asUser(['rm', '-f', name]).code, 0)
  }
})

test.serial('limits without a delegated cgroup are refused with how to delegate; nothing is left', (t) => {
  const r = asUser(['run', '--rm', '--memory', '32m', '--rootfs', rootfs, 'true'])
  t.is(r.code, 125, r.stderr)
  t.regex(r.stderr, /resource limits were asked for/)
  t.regex(r.stderr, /delegat/)
  t.regex(r.stderr, /--cgroup-parent/)
  const containers = join(user.home, '.local/share/tsc-box/containers')
  t.deepEqual(existsSync(containers) ? readdirSync(containers) : [], [])
})

/**
 * The OCI archive re-ordered as registries' and `save`'s are: index, manifest and config before
 * the layers, so that `load` knows each layer's diff_id while its blob streams in (its fast
 * path unpacks layers then, which rootless must leave to the user-namespace helper).
 */
function metadataFirst(archive: string): string {
  const layout = mkdtempSync(join(tmpdir(), 'tsc-box-rl-layout-'))
  execFileSync('tar', ['-C', layout, '-xf', archive])
  const blob = (d: string) => `./blobs/sha256/${d.slice('sha256:'.length)}`
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'))
  const manifest = index.manifests[0].digest as string
  const m = JSON.parse(readFileSync(join(layout, blob(manifest)), 'utf8'))
  const order = ['./oci-layout', './index.json', blob(manifest), blob(m.config.digest), ...m.layers.map((l: { digest: string }) => blob(l.digest))]
  execFileSync('tar', ['-C', layout, '-cf', archive, ...order])
  rmSync(layout, { recursive: true, force: true })
  return archive
}

/** An image whose first layer has /www owned by 33:33 (www-data), with a second layer on top. */
function ownedImage(name: string): { archive: string; cleanup: () => void } {
  const base = makeRootfs()
  mkdirSync(join(base, 'www'))
  writeFileSync(join(base, 'www/index.html'), 'hello\n')
  execFileSync('chown', ['-R', '33:33', join(base, 'www')])
  // Each image's layers are its own (same-second fixtures would otherwise share diff_ids).
  writeFileSync(join(base, 'etc/image-name'), `${name} ${randomBytes(4).toString('hex')}\n`)
  const top = mkdtempSync(join(tmpdir(), 'tsc-box-rl-top-'))
  mkdirSync(join(top, 'etc'))
  writeFileSync(join(top, 'etc/top'), 'top\n')
  const archive = metadataFirst(makeArchive({ dir: base, moreLayers: [top], name, config: { config: { Cmd: ['sh'] } } }))
  chmodSync(join(archive, '..'), 0o755)
  chmodSync(archive, 0o644)
  return {
    archive,
    cleanup: () => {
      for (const d of [base, top, join(archive, '..')]) rmSync(d, { recursive: true, force: true })
    },
  }
}

/** The lines of our own mount table that mention `dir`: the host never sees a container's overlay. */
function hostMountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir))
}

test.serial(
  'rootless images: layers keep their owners (unpacked in a user namespace), the root is an overlay mounted inside the container, writes stay in its upper layer, rm leaves nothing',
  (t) => {
    const { archive, cleanup } = ownedImage(`rootless/${tag}:owned`)
    const data = join(user.home, '.local/share/tsc-box')
    try {
      const l = asUser(['load', '-i', archive])
      t.is(l.code, 0, l.stderr)
      const layers = join(data, 'images/layers')
      // On the host, uid 33 of the layer is the user's subordinate id 33 (range start + 32).
      const owned = readdirSync(layers)
        .map((d) => join(layers, d, 'www/index.html'))
        .filter((f) => existsSync(f))
      t.is(owned.length, 1)
      t.is(statSync(owned[0]).uid, SUB_START + 32)
      t.is(statSync(join(owned[0], '..')).gid, SUB_START + 32)
      const before = contentHashes(layers)

      const r = asUser(['run', '-d', '--name', 'rlimg', '--network', 'none', `rootless/${tag}:owned`, 'sleep', '60'])
      t.is(r.code, 0, r.stderr)
      const e = asUser([
        'exec',
        'rlimg',
        'sh',
        '-c',
        'stat -c %u:%g /www/index.html /www; cat /etc/top; grep " / " /proc/self/mountinfo; echo changed > /www/index.html && mkdir /d && touch /d/f && chown -R 5:5 /d && rm /etc/top && echo wrote',
      ])
      t.is(e.code, 0, e.stderr)
      t.regex(e.stdout, /^33:33\n33:33\ntop\n/)
      const root = e.stdout.split('\n').find((x) => / \/ \/ /.test(x)) ?? ''
      t.regex(root, / - overlay overlay /, 'the root is an overlay, not a copy')
      t.true(root.includes(`lowerdir=${layers}/`), root)
      t.regex(root, /userxattr/)
      t.regex(e.stdout, /wrote$/m)
      t.deepEqual(hostMountsUnder(data), [], "the overlay exists in the container's mount namespace only")
      t.deepEqual(contentHashes(layers), before, 'writes never reach the layers')
      const [key] = readdirSync(join(data, 'overlay'))
      const upper = join(data, 'overlay', key, 'upper')
      t.is(statSync(join(upper, 'www/index.html')).uid, SUB_START + 32, 'a file of uid 33 changed inside is copied up as subordinate id 33')
      t.is(statSync(join(upper, 'd/f')).uid, SUB_START + 4)
      t.is(readFileSync(join(upper, 'www/index.html'), 'utf8'), 'changed\n')
      // The native rm (no Node): the upper layer holds files of subordinate ids, which only a
      // user namespace mapping them may unlink.
      const rm = nativeAsUser(['rm', '-f', 'rlimg'])
      t.is(rm.code, 0, rm.stderr)
      t.is(rm.stdout, 'rlimg\n')
      t.deepEqual(readdirSync(join(data, 'overlay')), [], 'the upper layer went, subordinate-owned files too')
      t.deepEqual(hostMountsUnder(data), [])
      t.deepEqual(contentHashes(layers), before)
    } finally {
      asUser(['rm', '-f', 'rlimg'])
      cleanup()
    }
  },
)

test.serial('rootless images with the copy driver: the runtime copies the layers in the user namespace, owners kept, and rm removes the copy', (t) => {
  const { archive, cleanup } = ownedImage(`rootless/${tag}:copy`)
  const data = join(user.home, '.local/share/tsc-box')
  try {
    t.is(asUser(['load', '-i', archive]).code, 0)
    const r = asUser(
      [
        'run',
        '--name',
        'rlcopy',
        '--network',
        'none',
        `rootless/${tag}:copy`,
        'sh',
        '-c',
        'stat -c %u:%g /www/index.html; grep " / " /proc/self/mountinfo; echo more >> /www/index.html',
      ],
      undefined,
      { TSC_BOX_STORAGE_DRIVER: 'copy' },
    )
    t.is(r.code, 0, r.stderr)
    t.regex(r.stdout, /^33:33\n/)
    t.notRegex(r.stdout, / - overlay /, 'a copy, as asked')
    t.regex(r.stderr, /TSC_BOX_STORAGE_DRIVER=copy: the image's layers are copied/)
    // A second start keeps the container's own files: the copy is made once.
    const again = asUser(['start', 'rlcopy'])
    t.is(again.code, 0, again.stderr)
    const waited = asUser(['wait', 'rlcopy'])
    t.is(waited.code, 0, waited.stderr)
    t.regex(waited.stdout, /^0$/m)
    const [key] = readdirSync(join(data, 'overlay'))
    t.is(readFileSync(join(data, 'overlay', key, 'merged/www/index.html'), 'utf8'), 'hello\nmore\nmore\n')
    t.is(asUser(['rm', '-f', 'rlcopy']).code, 0)
    t.deepEqual(readdirSync(join(data, 'overlay')), [])
  } finally {
    asUser(['rm', '-f', 'rlcopy'])
    cleanup()
  }
})

test.serial('rootless pull: layers unpack as they download, in the user namespace, with their owners', async (t) => {
  const registry = await startRegistry()
  const root = makeDataRoot()
  const { archive, cleanup } = ownedImage(`rootless/${tag}:pushed`)
  const ref = `${registry.host}/rl/${tag}:1`
  const data = join(user.home, '.local/share/tsc-box')
  try {
    t.is(tsc(root, ['load', '-i', archive]).code, 0)
    const p = tsc(root, ['push', `rootless/${tag}:pushed`, ref])
    t.is(p.code, 0, p.stderr)
    const before = existsSync(join(data, 'images/layers')) ? readdirSync(join(data, 'images/layers')) : []
    const pulled = asUser(['pull', ref])
    t.is(pulled.code, 0, pulled.stderr)
    const layers = join(data, 'images/layers')
    const fresh = readdirSync(layers).filter((d) => !before.includes(d) && !d.startsWith('.'))
    const owned = fresh.map((d) => join(layers, d, 'www/index.html')).filter((f) => existsSync(f))
    t.is(owned.length, 1, `layers ${fresh.join(' ')}`)
    t.is(statSync(owned[0]).uid, SUB_START + 32)
    const r = asUser(['run', '--rm', '--network', 'none', ref, 'stat', '-c', '%u:%g', '/www/index.html'])
    t.is(r.code, 0, r.stderr)
    t.is(r.stdout.trim(), '33:33')
  } finally {
    registry.stop()
    cleanup()
    rmSync(root, { recursive: true, force: true })
  }
})

/** Whether the kernel can idmap a mount of the filesystem holding `dir`. */
function idmappable(dir: string): boolean {
  const fs = execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim()
  const [major, minor] = execFileSync('uname', ['-r'], { encoding: 'utf8' }).split('.').map(Number)
  const atLeast = (a: number, b: number) => major > a || (major === a && minor >= b)
  if (/^(ext2\/ext3|xfs|btrfs)$/.test(fs)) return atLeast(5, 12)
  if (fs === 'tmpfs') return atLeast(6, 3)
  return false
}

test.serial('as root, --userns=auto gives each container its own block of the "tsc-box" ranges', (t) => {
  for (const f of ['/etc/subuid', '/etc/subgid']) addLine(f, AUTO_OWNER_LINE)
  const root = makeDataRoot()
  // rfsA belongs to host root: where the temp filesystem can be idmapped, the runtime shows
  // it through an idmapped mount, so the container's root owns it (it can create its mount
  // points and write) with nothing chowned on disk. Elsewhere (tmpfs before Linux 6.3, as in
  // the v2 guest) it is chowned to the first block, as it must be there. rfsB is chowned to
  // the second block, and used as it is.
  const rfsA = makeRootfs()
  const rfsB = makeRootfs()
  const idmap = idmappable(rfsA)
  if (!idmap) execFileSync('chown', ['-R', '-h', `${AUTO_START}:${AUTO_START}`, rfsA])
  execFileSync('chown', ['-R', '-h', `${AUTO_START + 65536}:${AUTO_START + 65536}`, rfsB])
  const rfs = rfsB
  try {
    const first = tsc(root, ['run', '-d', '--name', 'auto1', '--userns=auto', '--rootfs', rfsA, 'sleep', '60'])
    t.is(first.code, 0, first.stderr)
    const seen = tsc(root, ['exec', 'auto1', 'sh', '-c', 'stat -c %u /bin/busybox; touch /made-inside && echo writable'])
    t.is(seen.code, 0, seen.stderr)
    t.regex(seen.stdout, /^0\nwritable$/m, "host root's files are the container root's")
    const onDisk = idmap ? 0 : AUTO_START
    t.is(statSync(join(rfsA, 'made-inside')).uid, onDisk, 'on disk, what the container root made belongs to the rootfs owner')
    t.is(statSync(join(rfsA, 'bin/busybox')).uid, onDisk, 'nothing on disk was chowned by tsc-box')
    const second = tsc(root, ['run', '--rm', '--userns=auto', '--rootfs', rfs, 'cat', '/proc/self/uid_map', '/proc/self/gid_map'])
    t.is(second.code, 0, second.stderr)
    t.deepEqual(mapLines(second.stdout), [`0 ${AUTO_START + 65536} 65536`, `0 ${AUTO_START + 65536} 65536`], 'the first block is taken')
    const third = tsc(root, ['run', '--rm', '--userns=auto', '--rootfs', rfs, 'true'])
    t.is(third.code, 0, third.stderr)
    const full = tsc(root, ['run', '-d', '--name', 'auto2', '--userns=auto', '--rootfs', rfs, 'sleep', '60'])
    t.is(full.code, 0, full.stderr)
    const none = tsc(root, ['run', '--rm', '--userns=auto', '--rootfs', rfs, 'true'])
    t.is(none.code, 125, none.stderr)
    t.regex(none.stderr, /all 2 id blocks of tsc-box's ranges are in use/)
    t.is(tsc(root, ['rm', '-f', 'auto1', 'auto2']).code, 0)
    t.deepEqual(readdirSync(join(root, 'userns')), [], 'blocks are released with their containers')
  } finally {
    tsc(root, ['rm', '-f', 'auto1', 'auto2'])
    rmSync(rfsA, { recursive: true, force: true })
    rmSync(rfsB, { recursive: true, force: true })
    rmSync(root, { recursive: true, force: true })
  }
})

test.serial(
  'as root, --userns=auto runs an image: its layers are idmapped under the overlay, root inside is a host id of the block, what it writes lands in the upper layer as mapped ids',
  (t) => {
    for (const f of ['/etc/subuid', '/etc/subgid']) addLine(f, AUTO_OWNER_LINE)
    const root = makeDataRoot()
    const { archive, cleanup } = ownedImage(`rootns/${tag}:owned`)
    try {
      t.is(tsc(root, ['load', '-i', archive]).code, 0)
      const layers = join(root, 'images/layers')
      const before = contentHashes(layers)
      if (!idmappable(root)) {
        // tmpfs before Linux 6.3 (the v2 guest): the layers cannot be idmapped; said, and nothing is left.
        const r = tsc(root, ['run', '--rm', '--userns=auto', `rootns/${tag}:owned`, 'true'])
        t.is(r.code, 125, r.stderr)
        t.regex(r.stderr, /idmap the layer .* must support idmapped mounts/)
        t.deepEqual(readdirSync(join(root, 'overlay')), [])
        t.deepEqual(readdirSync(join(root, 'userns')), [])
        return
      }
      const r = tsc(root, ['run', '-d', '--name', 'autoimg', '--userns=auto', `rootns/${tag}:owned`, 'sleep', '60'])
      t.is(r.code, 0, r.stderr)
      const e = tsc(root, [
        'exec',
        'autoimg',
        'sh',
        '-c',
        'id -u; cat /proc/self/uid_map; stat -c %u:%g /www/index.html /bin/busybox; grep " / " /proc/self/mountinfo; touch /made && echo changed > /www/index.html && echo wrote',
      ])
      t.is(e.code, 0, e.stderr)
      t.regex(e.stdout, /^0\n/)
      const [map] = mapLines(e.stdout)
      const hostRoot = Number(map.split(' ')[1])
      t.true(hostRoot >= AUTO_START && hostRoot < AUTO_START + 131072, `container root is host ${hostRoot}`)
      t.regex(e.stdout, /\n33:33\n0:0\n/, "the layers' owners as the image has them, through the idmapped layers")
      t.regex(e.stdout, / \/ \/ .* - overlay overlay /)
      t.regex(e.stdout, /wrote$/m)
      const inspect = JSON.parse(tsc(root, ['inspect', 'autoimg']).stdout)
      const pid = (Array.isArray(inspect) ? inspect[0] : inspect).State.Pid as number
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
      t.is(uid, hostRoot, "the container's root is not host root")
      const [key] = readdirSync(join(root, 'overlay'))
      const upper = join(root, 'overlay', key, 'upper')
      t.is(statSync(join(upper, 'made')).uid, hostRoot, "what the container's root made belongs to its host id")
      t.is(statSync(join(upper, 'www/index.html')).uid, hostRoot + 33)
      t.deepEqual(contentHashes(layers), before, 'nothing on disk of the layers changed (no chown, no write)')
      t.is(tsc(root, ['rm', '-f', 'autoimg']).code, 0)
      t.deepEqual(readdirSync(join(root, 'overlay')), [])
      t.deepEqual(readdirSync(join(root, 'userns')), [])
      t.deepEqual(hostMountsUnder(root), [])
    } finally {
      tsc(root, ['rm', '-f', 'autoimg'])
      cleanup()
      rmSync(root, { recursive: true, force: true })
    }
  },
)

test.serial('an image label cannot choose the layers the runtime mounts: io.tsc-box.* labels never become annotations', (t) => {
  const root = makeDataRoot()
  const victim = join(root, 'overlay', '0000000000000000', 'upper')
  const label = JSON.stringify({ lowerdir: [victim], upperdir: '/u', workdir: '/w' })
  const archive = makeArchive({
    dir: makeRootfs(),
    name: `hostile/${tag}:1`,
    config: { Labels: { 'io.tsc-box.rootfs.overlay': label, 'io.tsc-box.image.id': 'forged', 'org.example': 'kept' } },
  })
  try {
    t.is(tsc(root, ['load', '-i', archive]).code, 0)
    const r = tsc(root, ['run', '--name', 'labelled', `hostile/${tag}:1`, 'true'])
    t.is(r.code, 0, r.stderr)
    const [id] = readdirSync(join(root, 'containers')).filter((d) => /^[0-9a-f]{64}$/.test(d))
    const spec = JSON.parse(readFileSync(join(root, 'containers', id, 'config.json'), 'utf8'))
    t.is(spec.annotations['org.example'], 'kept')
    t.is(spec.annotations['io.tsc-box.rootfs.overlay'], undefined, 'root without a user namespace: the CLI mounts, no annotation at all')
    t.not(spec.annotations['io.tsc-box.image.id'], 'forged')
  } finally {
    tsc(root, ['rm', '-f', 'labelled'])
    rmSync(join(archive, '..'), { recursive: true, force: true })
    rmSync(root, { recursive: true, force: true })
  }
})

/** A cgroup v2 directory below the root handed to the user, with a leaf for its shell. */
function delegate(mount = '/sys/fs/cgroup'): { dir: string; leaf: string; path: string } {
  const path = `/tsc-rl-${tag}-${randomBytes(2).toString('hex')}`
  const dir = `${mount}${path}`
  const root = readFileSync(`${mount}/cgroup.subtree_control`, 'utf8')
  const offered = readFileSync(`${mount}/cgroup.controllers`, 'utf8').split(/\s+/)
  for (const c of ['memory', 'pids']) if (offered.includes(c) && !root.split(/\s+/).includes(c)) writeFileSync(`${mount}/cgroup.subtree_control`, `+${c}`)
  mkdirSync(dir)
  cgroupsMade.push(dir)
  const leaf = join(dir, 'cli')
  mkdirSync(leaf)
  cgroupsMade.push(leaf)
  for (const d of [dir, leaf]) {
    execFileSync('chown', [`${user.uid}:${user.gid}`, d, ...['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads'].map((f) => join(d, f))])
  }
  return { dir, leaf, path }
}

if (pureV2) {
  test.serial('with a delegated cgroup v2 subtree, limits work and the container cgroup goes away', (t) => {
    const { dir, leaf, path } = delegate()
    const r = asUser(
      [
        'run',
        '--rm',
        '--cgroup-parent',
        path,
        '--memory',
        '32m',
        '--pids-limit',
        '20',
        '--rootfs',
        rootfs,
        'sh',
        '-c',
        'cat /proc/self/cgroup; dd if=/dev/zero of=/dev/null bs=256M count=1',
      ],
      leaf,
    )
    t.is(r.code, 137, r.stderr)
    t.regex(r.stderr, /out of memory|OOM/i)
    // The container's cgroup was made below the delegated one, and removed.
    t.deepEqual(
      readdirSync(dir).filter((f) => !f.includes('.')),
      ['cli'],
    )
    const ok = asUser(
      [
        'run',
        '--rm',
        '--cgroup-parent',
        path,
        '--memory',
        '32m',
        '--pids-limit',
        '20',
        '--rootfs',
        rootfs,
        'sh',
        '-c',
        'for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; do cat $f 2>/dev/null; done; echo done',
      ],
      leaf,
    )
    t.is(ok.code, 0, ok.stderr)
    t.regex(ok.stdout, /done/)
  })
} else {
  test.serial('on a host with cgroup v1 controllers, limits stay refused without root even from a delegated cgroup2 directory', (t) => {
    // Hybrid: the unified hierarchy can be delegated, the v1 controllers that enforce limits cannot.
    const { dir, leaf, path } = delegate('/sys/fs/cgroup/unified')
    const r = asUser(['run', '--rm', '--cgroup-parent', path, '--memory', '32m', '--rootfs', rootfs, 'true'], leaf)
    t.is(r.code, 125, r.stderr)
    t.regex(r.stderr, /resource limits were asked for/)
    // Without limits the same user runs fine from there, and no cgroup is left below it.
    const ok = asUser(['run', '--rm', '--cgroup-parent', path, '--rootfs', rootfs, 'true'], leaf)
    t.is(ok.code, 0, ok.stderr)
    t.deepEqual(
      readdirSync(dir).filter((f) => !f.includes('.')),
      ['cli'],
    )
  })
}
