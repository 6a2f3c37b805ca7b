// Rootless networking: a test user with subuid/subgid ranges (setpriv drops to it) gets
// user-mode networking by default (slirp4netns, as podman): tap0 with 10.0.2.100 and
// slirp4netns's DNS; a published 127.0.0.1 port reaches busybox httpd in the container;
// outgoing traffic reaches a server in a namespace the test made; the slirp4netns process
// is gone after rm -f and after tsc-box and its runtime are SIGKILLed; bridge networking
// without root is refused by name. The user and its ranges are removed afterwards.
import test from 'ava'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import * as net from 'node:net'
import { makeRootfs } from './helpers/rootfs'
import { RootlessUser } from './helpers/rootless-user'
import { docroot, freePort, httpdArgs, httpGetRetry, OutsideWorld } from './network-helpers'

const tag = randomBytes(3).toString('hex')
// Made by test.before (no test runs when it fails).
let user: RootlessUser
let rootfs = ''
let www = ''

test.before(() => {
  // slirp4netns opens /dev/net/tun; a minimal host without udev (the v2 test guest) has not
  // loaded the module nor given the node udev's mode 0666: root does both, as udev would.
  if (!existsSync('/dev/net/tun')) execFileSync('modprobe', ['tun'])
  chmodSync('/dev/net/tun', 0o666)
  // Ranges far from the usual 100000+ ones and from runtime-rootless's.
  user = RootlessUser.create(`tsbnr${tag}`, 2_200_000 + (parseInt(tag, 16) % 200) * 131072, 65536)
  rootfs = makeRootfs()
  user.own(rootfs)
  www = docroot('hello-rootless')
  chmodSync(www, 0o755)
})

test.after.always(() => {
  if (user) user.remove()
  if (rootfs) rmSync(rootfs, { recursive: true, force: true })
  if (www) rmSync(www, { recursive: true, force: true })
})

const asUser = (args: string[]) => user.run(args)

/** The test user's running slirp4netns processes (an exited one waiting for init to reap it is not). */
function slirps(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const status = readFileSync(`/proc/${d}/status`, 'utf8')
        const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1]
        const zombie = /^State:\s+Z/m.test(status)
        return !zombie && Number(uid) === user.uid && readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'slirp4netns'
      } catch {
        return false
      }
    })
    .map(Number)
}

async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) return false
    await new Promise((r) => setTimeout(r, 50))
  }
  return true
}

test.serial('without root the default network is slirp4netns: tap0 10.0.2.100, its DNS, outgoing traffic through it', (t) => {
  const world = new OutsideWorld(7)
  try {
    world.serve(8000, docroot('hello-from-outside'))
    const r = asUser([
      'run',
      '--rm',
      '--rootfs',
      rootfs,
      'sh',
      '-c',
      `ip -4 addr show dev tap0; cat /etc/resolv.conf; for i in $(seq 1 20); do timeout 3 wget -q -O- http://${world.nsIp}:8000/ && exit 0; sleep 0.2; done; exit 1`,
    ])
    t.is(r.code, 0, r.stderr)
    t.regex(r.stdout, /inet 10\.0\.2\.100\/24/)
    t.regex(r.stdout, /^nameserver 10\.0\.2\.3$/m)
    t.regex(r.stdout, /hello-from-outside$/)
  } finally {
    world.dispose()
  }
})

test.serial('-p 127.0.0.1:PORT:80 reaches busybox httpd in a rootless container; slirp4netns is gone after rm -f', async (t) => {
  const port = await freePort()
  const name = `rlweb${tag}`
  const r = asUser(['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:80`, ...httpdArgs(www, rootfs)])
  t.is(r.code, 0, r.stderr)
  try {
    t.is(await httpGetRetry(`http://127.0.0.1:${port}/`, 20_000), 'hello-rootless')
    t.is(slirps().length, 1, 'one slirp4netns for the container')
  } finally {
    t.is(asUser(['rm', '-f', name]).code, 0)
  }
  t.true(await until(() => slirps().length === 0, 10_000), `slirp4netns left: ${slirps().join(' ')}`)
  // The port is the host's again.
  await new Promise<void>((res, rej) => {
    const s = net
      .createServer()
      .once('error', rej)
      .listen(port, '127.0.0.1', () => s.close(() => res()))
  })
})

test.serial('slirp4netns ends with its container when tsc-box and its runtime are SIGKILLed', async (t) => {
  const port = await freePort()
  const c = user.command(['run', '--rm', '-p', `127.0.0.1:${port}:80`, '-v', `${www}:/www:ro`, '--rootfs', rootfs, 'httpd', '-f', '-p', '80', '-h', '/www'])
  const child = spawn(c.cmd, c.argv, { env: c.env, cwd: '/', stdio: 'ignore' })
  const exited = new Promise((res) => child.on('exit', res))
  try {
    t.is(await httpGetRetry(`http://127.0.0.1:${port}/`, 20_000), 'hello-rootless')
    t.is(slirps().length, 1)
  } finally {
    // Every process of the run but the container's own and slirp4netns: setpriv's node and
    // the runtime under it. The container's init dies with its runtime (PDEATHSIG).
    const tree = (pid: number): number[] => {
      let kids: number[] = []
      try {
        for (const tid of readdirSync(`/proc/${pid}/task`))
          kids = kids.concat(readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number))
      } catch {
        // gone
      }
      return [pid, ...kids.flatMap(tree)]
    }
    const slirp = new Set(slirps())
    for (const p of tree(child.pid!).filter((p) => !slirp.has(p))) {
      try {
        process.kill(p, 'SIGKILL')
      } catch {
        // gone already
      }
    }
    await exited
  }
  t.true(await until(() => slirps().length === 0, 10_000), `slirp4netns left: ${slirps().join(' ')}`)
})

test.serial('bridge networking without root is refused by name, pointing at slirp4netns', (t) => {
  const r = asUser(['run', '--rm', '--json', '--network', 'bridge', '--rootfs', rootfs, 'true'])
  t.is(r.code, 125, r.stdout)
  const e = JSON.parse(r.stdout) as { error: { code: string; message: string } }
  t.is(e.error.code, 'network_rootless')
  t.regex(e.error.message, /slirp4netns/)
  // IPv6 host addresses cannot be published through slirp4netns.
  const v6 = asUser(['run', '--rm', '--json', '--network', 'slirp4netns', '-p', '[::1]:8080:80', '--rootfs', rootfs, 'true'])
  t.is(v6.code, 125, v6.stdout)
  t.regex(v6.stdout, /IPv4 host addresses only/)
})

test.serial('a published port already in use fails the start and leaves no slirp4netns', async (t) => {
  const holder = net.createServer()
  await new Promise<void>((res) => holder.listen(0, '127.0.0.1', () => res()))
  const port = (holder.address() as net.AddressInfo).port
  try {
    const r = asUser(['run', '--rm', '--json', '-p', `127.0.0.1:${port}:80`, '--rootfs', rootfs, 'true'])
    t.is(r.code, 125, r.stdout + r.stderr)
    t.regex(r.stdout, new RegExp(`publishing port 127\\.0\\.0\\.1:${port}->80/tcp through slirp4netns`))
  } finally {
    holder.close()
  }
  t.true(await until(() => slirps().length === 0, 10_000), `slirp4netns left: ${slirps().join(' ')}`)
})
