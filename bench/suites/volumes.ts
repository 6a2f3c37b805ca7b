// Issue 14: `run --rm` with a named volume (the volume looked up, bound, its data kept),
// against podman in the same run, each with its own store; and the same run without the
// volume, which says what the volume itself costs.
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { compare, report, works, type Command } from '../measure'
import { busyboxRootfs, CLI, PODMAN_ULIMITS, podmanIn, withStores } from '../fixtures'

export function volumes(runs: number) {
  withStores((tempDir) => {
    const rootfs = busyboxRootfs()
    const dataRoot = tempDir('tsc-box-bench-vol-')
    const pdir = tempDir('tsc-box-bench-podman-vol-')
    const podman = [...podmanIn(pdir), '--volumepath', join(pdir, 'volumes')]
    const run = [CLI, 'run', '--root', dataRoot, '--rm', '--network', 'none']
    execFileSync(CLI, ['volume', 'create', '--root', dataRoot, 'benchvol'], { stdio: 'ignore' })
    const cmds: Command[] = [
      { label: 'tsc-box run --rm -v NAME:/data', argv: [...run, '-v', 'benchvol:/data', '--rootfs', rootfs, 'sh', '-c', 'echo x >> /data/log'] },
      { label: 'tsc-box run --rm (no volume)', argv: [...run, '--rootfs', rootfs, 'sh', '-c', 'echo x >> /tmp/log'] },
    ]
    if (spawnSync('podman', ['--version']).status === 0) {
      spawnSync(podman[0]!, [...podman.slice(1), 'volume', 'create', 'benchvol'], { stdio: 'ignore' })
      const p: Command = {
        label: 'podman run --rm -v NAME:/data',
        argv: [...podman, 'run', '--rm', '--network', 'none', ...PODMAN_ULIMITS, '-v', 'benchvol:/data', '--rootfs', rootfs, 'sh', '-c', 'echo x >> /data/log'],
      }
      const problem = works(p)
      if (problem) console.log(`  podman left out: ${problem}`)
      else cmds.push(p)
    } else console.log('  podman left out: not installed')
    report('volumes: run --rm with a named volume', compare(cmds, runs), [['tsc-box run --rm -v NAME:/data', 'podman run --rm -v NAME:/data', 0.5]])
  })
}
