// Issue 2: the runtime against runc (and crun where it runs) on one bundle running /bin/true,
// and the full `tsc-box run --rm` against a bare node start.
import { compare, report, works, type Command } from '../measure'
import { busyboxRootfs, CLI, runcSpecBundle, RUNTIME, runtimeRun, tempDir } from '../fixtures'

export function coreRun(runs: number) {
  const bundle = runcSpecBundle(['/bin/true'])
  const peers: Command[] = [runtimeRun('tsc-box-runtime run /bin/true', RUNTIME, bundle), runtimeRun('runc run /bin/true', 'runc', bundle)]
  const crun = runtimeRun('crun run /bin/true', 'crun', bundle)
  const crunProblem = works(crun)
  if (crunProblem) console.log(`  crun left out: it does not run here: ${crunProblem}`)
  else peers.push(crun)
  const samples = compare(peers, runs)
  report('runtime: /bin/true on a runc-spec bundle', samples, [
    ['tsc-box-runtime run /bin/true', 'runc run /bin/true', 0.5],
    ['tsc-box-runtime run /bin/true', 'crun run /bin/true'],
  ])

  const rootfs = busyboxRootfs()
  const dataRoot = tempDir('tsc-box-bench-root-')
  const cli: Command[] = [
    {
      label: 'tsc-box run --rm --rootfs DIR /bin/true',
      argv: [process.execPath, '--', CLI, 'run', '--rm', '--root', dataRoot, '--rootfs', rootfs, '/bin/true'],
    },
    { label: "node -e ''", argv: [process.execPath, '-e', ''] },
  ]
  report('CLI: a whole run against a bare node start', compare(cli, runs), [['tsc-box run --rm --rootfs DIR /bin/true', "node -e ''", 1.5]])
}
