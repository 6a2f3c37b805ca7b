// Issue 14: `cp` of a 100 MB directory into and out of a running container, against `podman
// cp` in the same run (target: at most 0.5x podman). Both containers run from a busybox
// directory (--rootfs) with no network; each copy goes to a fresh destination, the previous
// one removed untimed.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { busyboxRootfs, CLI, withStores } from '../fixtures'
import { compare, type Command, report } from '../measure'

/** 100 files of 1 MiB in 10 directories (incompressible bytes). */
function hundredMegabytes(dir: string): void {
  for (let d = 0; d < 10; d++) {
    mkdirSync(join(dir, `d${d}`), { recursive: true })
    for (let f = 0; f < 10; f++) writeFileSync(join(dir, `d${d}`, `f${f}`), execFileSync('head', ['-c', String(1 << 20), '/dev/urandom']))
  }
}

export function cp(runs: number) {
  withStores((tempDir) => {
    const src = tempDir('tsc-box-bench-cp-src-')
    hundredMegabytes(join(src, 'data'))
    const out = tempDir('tsc-box-bench-cp-out-')
    const ours = tempDir('tsc-box-bench-cp-root-')
    const env = { ...process.env, TSC_BOX_ROOT: ours }
    const oursRootfs = busyboxRootfs()
    execFileSync(CLI, ['run', '-d', '--name', 'cpb', '--network', 'none', '--rootfs', oursRootfs, 'sleep', '100000'], { env, stdio: 'ignore' })
    execFileSync(CLI, ['cp', join(src, 'data'), 'cpb:/data'], { env })
    const pdir = tempDir('tsc-box-bench-cp-podman-')
    const podman = [
      'podman',
      '--root',
      join(pdir, 'root'),
      '--runroot',
      join(pdir, 'run'),
      '--cgroup-manager=cgroupfs',
      '--runtime',
      'runc',
      '--storage-driver',
      'overlay',
    ]
    const havePodman = spawnSync('podman', ['--version']).status === 0
    const theirRootfs = busyboxRootfs()
    if (havePodman) {
      execFileSync(
        podman[0]!,
        [
          ...podman.slice(1),
          'run',
          '-d',
          '--name',
          'cpb',
          '--network',
          'none',
          '--ulimit',
          'nofile=1024:1024',
          '--ulimit',
          'nproc=1024:1024',
          '--rootfs',
          theirRootfs,
          'sleep',
          '100000',
        ],
        {
          stdio: 'ignore',
        },
      )
      execFileSync(podman[0]!, [...podman.slice(1), 'cp', join(src, 'data'), 'cpb:/data'])
    }
    // A fresh destination each run: the getter removes the last one (untimed).
    let n = 0
    const fresh = (make: (i: number) => string[], last: (i: number) => string): Command['argv'] => {
      const i = ++n
      rmSync(last(i - 1), { recursive: true, force: true })
      return make(i)
    }
    const cmds: Command[] = [
      {
        label: 'tsc-box cp DIR c:/in',
        env,
        get argv() {
          return fresh(
            (i) => [CLI, 'cp', join(src, 'data'), `cpb:/in${i}`],
            (i) => join(oursRootfs, `in${i}`),
          )
        },
      },
      {
        label: 'tsc-box cp c:/data DIR',
        env,
        get argv() {
          return fresh(
            (i) => [CLI, 'cp', 'cpb:/data', join(out, `ours${i}`)],
            (i) => join(out, `ours${i}`),
          )
        },
      },
    ]
    if (havePodman)
      cmds.push(
        {
          label: 'podman cp DIR c:/in',
          get argv() {
            return fresh(
              (i) => [...podman, 'cp', join(src, 'data'), `cpb:/in${i}`],
              (i) => join(theirRootfs, `in${i}`),
            )
          },
        },
        {
          label: 'podman cp c:/data DIR',
          get argv() {
            return fresh(
              (i) => [...podman, 'cp', 'cpb:/data', join(out, `theirs${i}`)],
              (i) => join(out, `theirs${i}`),
            )
          },
        },
      )
    try {
      report('cp: a 100 MB directory (100 files) into and out of a running container', compare(cmds, runs), [
        ['tsc-box cp DIR c:/in', 'podman cp DIR c:/in', 0.5],
        ['tsc-box cp c:/data DIR', 'podman cp c:/data DIR', 0.5],
      ])
    } finally {
      spawnSync(CLI, ['rm', '-f', 'cpb'], { env, stdio: 'ignore' })
      if (havePodman) spawnSync(podman[0]!, [...podman.slice(1), 'rm', '-f', '-t', '0', 'cpb'], { stdio: 'ignore' })
      rmSync(oursRootfs, { recursive: true, force: true })
      rmSync(theirRootfs, { recursive: true, force: true })
    }
  })
}
