// Issue 14: `run --rm` with a named volume (the volume looked up, bound, its data kept),
// against podman in the same run, each with its own store.
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { compare, report, works, type Command } from '../measure'
import { busyboxRootfs, CLI, withStores } from '../fixtures'

export function volumes(runs: number) {
  withStores((tempDir) => {
    const rootfs = busyboxRootfs()
    const dataRoot = tempDir('tsc-box-bench-vol-')
    const pdir = tempDir('tsc-box-bench-podman-vol-')
    // cgroupfs: no systemd here; runc: crun refuses hybrid cgroup hosts; ulimits: podman's
    // defaults exceed this host's hard limits.
    const podman = [
      'podman',
      '--root',
      join(pdir, 'root'),
      '--runroot',
      join(pdir, 'run'),
      '--volumepath',
      join(pdir, 'volumes'),
      '--cgroup-manager=cgroupfs',
      '--runtime',
      'runc',
    ]
    const script = 'echo x >> /data/log'
    execFileSync(CLI, ['volume', 'create', '--root', dataRoot, 'benchvol'], { stdio: 'ignore' })
    const cmds: Command[] = [
      {
        label: 'tsc-box run --rm -v NAME:/data',
        argv: [CLI, 'run', '--root', dataRoot, '--rm', '--network', 'none', '-v', 'benchvol:/data', '--rootfs', rootfs, 'sh', '-c', script],
      },
    ]
    // The same run without the volume: what the volume itself costs.
    cmds.push({
      label: 'tsc-box run --rm (no volume)',
      argv: [CLI, 'run', '--root', dataRoot, '--rm', '--network', 'none', '--rootfs', rootfs, 'sh', '-c', 'echo x >> /tmp/log'],
    })
    if (spawnSync('podman', ['--version']).status === 0) {
      spawnSync(podman[0]!, [...podman.slice(1), 'volume', 'create', 'benchvol'], { stdio: 'ignore' })
      const p: Command = {
        label: 'podman run --rm -v NAME:/data',
        argv: [
          ...podman,
          'run',
          '--rm',
          '--network',
          'none',
          '--ulimit',
          'nofile=1024:1024',
          '--ulimit',
          'nproc=1024:1024',
          '-v',
          'benchvol:/data',
          '--rootfs',
          rootfs,
          'sh',
          '-c',
          script,
        ],
      }
      const problem = works(p)
      if (problem) console.log(`  podman left out: ${problem}`)
      else cmds.push(p)
    } else console.log('  podman left out: not installed')
    report('volumes: run --rm with a named volume', compare(cmds, runs), [['tsc-box run --rm -v NAME:/data', 'podman run --rm -v NAME:/data', 0.5]])
  })
}
