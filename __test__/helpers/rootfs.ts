// A minimal root filesystem for end-to-end tests, built from the host's static busybox
// (Debian's busybox-static): no registry, no image, nothing outside the test's temp dir.
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox']

function hostBusybox(): string {
  const found = BUSYBOX_CANDIDATES.find((p) => existsSync(p))
  if (!found) throw new Error('busybox not found: install the busybox-static package')
  const kind = execFileSync('file', ['-L', found], { encoding: 'utf8' })
  if (!/statically linked|static-pie linked/.test(kind)) {
    throw new Error(`${found} is not static: install the busybox-static package`)
  }
  return found
}

export const TEST_USER = { name: 'app', uid: 1000, gid: 1000 }

/** Builds a fresh busybox rootfs in a new temp dir and returns its absolute path. */
export function makeRootfs(prefix = 'tsc-box-rootfs-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(dir, 0o755) // mkdtemp makes it 0700: no user but host root could enter the container's /
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home/app', 'var/empty']) {
    mkdirSync(join(dir, d), { recursive: true })
  }
  chmodSync(join(dir, 'tmp'), 0o1777)
  copyFileSync(hostBusybox(), join(dir, 'bin/busybox'))
  chmodSync(join(dir, 'bin/busybox'), 0o755)
  // Relative links: `busybox --install -s` would point them at this host path, which does not
  // exist inside the container.
  for (const applet of execFileSync(join(dir, 'bin/busybox'), ['--list'], { encoding: 'utf8' }).split('\n')) {
    if (applet && applet !== 'busybox' && !applet.includes('/')) symlinkSync('busybox', join(dir, 'bin', applet))
  }
  // busybox links to the absolute host path it ran from, which does not exist in the container.
  for (const name of readdirSync(join(dir, 'bin'))) {
    const link = join(dir, 'bin', name)
    if (lstatSync(link).isSymbolicLink()) {
      unlinkSync(link)
      symlinkSync('busybox', link)
    }
  }
  writeFileSync(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\n' +
      `${TEST_USER.name}:x:${TEST_USER.uid}:${TEST_USER.gid}:app:/home/app:/bin/sh\n` +
      'nobody:x:65534:65534:nobody:/var/empty:/bin/false\n',
  )
  writeFileSync(join(dir, 'etc/group'), `root:x:0:\n${TEST_USER.name}:x:${TEST_USER.gid}:\naudio:x:29:app\nnogroup:x:65534:\n`)
  return dir
}
