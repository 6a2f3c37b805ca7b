// Issue 7: what networking costs. (1) Start-up: `tsc-box run --rm /bin/true` and the runtime
// alone, with bridge networking vs --network none, interleaved. Target: bridge setup under
// 10 ms per container. (2) TCP throughput into a container through a published port on
// 127.0.0.1 vs the same sink on the host's loopback. Target: at least 0.8x loopback.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import * as net from 'node:net'
import { join } from 'node:path'
import { compare, median, report, type Command } from '../measure'
import { busyboxRootfs, CLI, editConfig, runcSpecBundle, RUNTIME, runtimeRun, tempDir } from '../fixtures'

const NET_DIR = process.env.TSC_BOX_NETWORK_DIR ?? '/var/lib/tsc-box/network'

function cliRun(label: string, root: string, rootfs: string, network: string): Command {
  return {
    label,
    argv: [process.execPath, '--', CLI, 'run', '--rm', '--network', network, '--rootfs', rootfs, 'true'],
    env: { ...process.env, TSC_BOX_ROOT: root },
  }
}

/** A runc-spec bundle with the net-attach/net-detach hooks the CLI adds. */
function bridgeBundle(): string {
  const dir = runcSpecBundle(['/bin/true'])
  const plan = join(dir, 'network.json')
  writeFileSync(plan, JSON.stringify({ dir: NET_DIR, network: 'bridge', name: 'bench' }))
  editConfig(dir, (config) => {
    config.hooks = {
      createRuntime: [{ path: RUNTIME, args: ['tsc-box-runtime', 'helper', 'net-attach', plan] }],
      poststop: [{ path: RUNTIME, args: ['tsc-box-runtime', 'helper', 'net-detach', plan] }],
    }
  })
  return dir
}

function setupCost(runs: number) {
  const root = tempDir('tsc-box-bench-root-')
  const rootfs = busyboxRootfs()
  const plain = runcSpecBundle(['/bin/true'])
  const bridged = bridgeBundle()
  const samples = compare(
    [
      runtimeRun('tsc-box-runtime run (no network)', RUNTIME, plain),
      runtimeRun('tsc-box-runtime run (bridge hooks)', RUNTIME, bridged),
      cliRun('tsc-box run --network none', root, rootfs, 'none'),
      cliRun('tsc-box run --network bridge', root, rootfs, 'bridge'),
    ],
    runs,
  )
  report('network: start-up with bridge networking vs none (/bin/true)', samples, [
    ['tsc-box-runtime run (bridge hooks)', 'tsc-box-runtime run (no network)'],
    ['tsc-box run --network bridge', 'tsc-box run --network none'],
  ])
  const by = new Map(samples.map((s) => [s.label, s.medianMs]))
  const rt = by.get('tsc-box-runtime run (bridge hooks)')! - by.get('tsc-box-runtime run (no network)')!
  const cli = by.get('tsc-box run --network bridge')! - by.get('tsc-box run --network none')!
  console.log(`  bridge setup per container, runtime: ${rt.toFixed(2)} ms  (target < 10 ms: ${rt < 10 ? 'met' : 'NOT met'})`)
  console.log(`  bridge setup per container, whole CLI run: ${cli.toFixed(2)} ms`)
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer()
    s.once('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port
      s.close(() => res(p))
    })
  })
}

/** Sends `bytes` to port, returns ms from connect to the sink closing the connection. */
function send(port: number, bytes: number, host = '127.0.0.1'): Promise<number> {
  const chunk = Buffer.alloc(1 << 20, 0x61)
  return new Promise((res, rej) => {
    const start = process.hrtime.bigint()
    const sock = net.connect(port, host)
    let sent = 0
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length
        if (!sock.write(chunk)) return sock.once('drain', pump)
      }
      sock.end()
    }
    sock.once('connect', pump)
    sock.on('data', () => {})
    sock.once('error', rej)
    sock.once('close', () => res(Number(process.hrtime.bigint() - start) / 1e6))
  })
}

async function waitListening(port: number, ms = 20_000, host = '127.0.0.1') {
  const end = Date.now() + ms
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = net.connect(port, host)
      s.once('connect', () => {
        s.end()
        res(true)
      })
      s.once('error', () => res(false))
    })
    if (ok) return
    if (Date.now() > end) throw new Error(`nothing listens on ${port}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A persistent sink: each connection's bytes are read by cat into /dev/null. */
const SINK = (port: number) => ['nc', '-ll', '-p', String(port), '-e', 'sh', '-c', 'cat > /dev/null']

async function throughput(runs: number) {
  const bytes = 512 << 20
  const rootfs = busyboxRootfs()
  const root = tempDir('tsc-box-bench-root-')
  const hostPort = await freePort()
  const pubPort = await freePort()
  // IPv6 where the host has it: the same container's port on [::1] (the user-space relay).
  const v6 = existsSync('/proc/net/if_inet6') && readFileSync('/proc/sys/net/ipv6/conf/all/disable_ipv6', 'utf8').trim() === '0'
  const pub6Port = v6 ? await freePort() : 0
  const children: ChildProcess[] = []
  try {
    children.push(spawn('busybox', SINK(hostPort), { stdio: 'ignore' }))
    // The sink runs beside a sleep that SIGTERM ends (with --init): the container goes with it.
    const inCtr = `${SINK(5001)
      .map((a) => (a.includes(' ') ? `'${a}'` : a))
      .join(' ')} & exec sleep 3600`
    const ctr = spawn(
      process.execPath,
      [
        '--',
        CLI,
        'run',
        '--rm',
        '--init',
        '--network',
        'bridge',
        '-p',
        `127.0.0.1:${pubPort}:5001`,
        ...(v6 ? ['-p', `[::1]:${pub6Port}:5001`] : []),
        '--rootfs',
        rootfs,
        'sh',
        '-c',
        inCtr,
      ],
      {
        stdio: 'ignore',
        env: { ...process.env, TSC_BOX_ROOT: root },
      },
    )
    children.push(ctr)
    await waitListening(hostPort)
    await waitListening(pubPort)
    await send(hostPort, 64 << 20)
    await send(pubPort, 64 << 20)
    if (v6) {
      await waitListening(pub6Port, 20_000, '::1')
      await send(pub6Port, 64 << 20, '::1')
    }
    const loop: number[] = []
    const pub: number[] = []
    const pub6: number[] = []
    for (let i = 0; i < Math.max(3, Math.min(runs, 10)); i++) {
      loop.push(await send(hostPort, bytes))
      pub.push(await send(pubPort, bytes))
      if (v6) pub6.push(await send(pub6Port, bytes, '::1'))
    }
    const mbps = (ms: number) => bytes / (1 << 20) / (ms / 1000)
    const l = mbps(median(loop))
    const p = mbps(median(pub))
    console.log('\n## network: TCP throughput, 512 MiB into busybox nc|cat > /dev/null (medians)')
    console.log(`  host loopback 127.0.0.1                          ${l.toFixed(0).padStart(8)} MiB/s  (${loop.length} runs)`)
    console.log(`  published port 127.0.0.1 -> container (DNAT)    ${p.toFixed(0).padStart(8)} MiB/s  (${pub.length} runs)`)
    const ratio = p / l
    console.log(`  ratio published / loopback: ${ratio.toFixed(2)}x  (target >= 0.8x: ${ratio >= 0.8 ? 'met' : 'NOT met'})`)
    if (v6) {
      const p6 = mbps(median(pub6))
      console.log(
        `  published port [::1] -> container (relay)       ${p6.toFixed(0).padStart(8)} MiB/s  (${pub6.length} runs, ${(p6 / l).toFixed(2)}x loopback)`,
      )
    }
  } finally {
    for (const c of children.reverse()) c.kill('SIGTERM')
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))))
  }
}

/** Runs both network benchmarks; async because the throughput test drives sockets. */
export async function networkBench(runs: number): Promise<void> {
  setupCost(runs)
  await throughput(runs)
}
