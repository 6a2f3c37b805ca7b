// Issue 15: the SDK's run inside one Node process (no Node start per container) against
// `tsc-box run --rm` (a Node start each), both on one --rootfs running /bin/true; then 100
// sequential runs from this process, with its memory before and after.
import { spawnSync } from 'node:child_process'
import * as v8 from 'node:v8'
import * as vm from 'node:vm'
import { TscBox } from '../../src/index'
import { busyboxRootfs, CLI, removeStore, RUNTIME, tempDir } from '../fixtures'
import { median, report } from '../measure'

/** A full collection, so that heapUsed is what is still referenced. */
function collect(): void {
  v8.setFlagsFromString('--expose-gc')
  ;(vm.runInNewContext('gc') as () => void)()
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`

export async function sdk(runs: number) {
  const rootfs = busyboxRootfs()
  const root = tempDir('tsc-box-bench-sdk-')
  try {
    const box = new TscBox({ root, runtime: RUNTIME })
    const cliArgv = ['--', CLI, 'run', '--rm', '--root', root, '--rootfs', rootfs, '/bin/true']
    const cli = () => {
      const start = process.hrtime.bigint()
      const r = spawnSync(process.execPath, cliArgv, { stdio: ['ignore', 'ignore', 'pipe'] })
      if (r.status !== 0) throw new Error(`tsc-box run failed (${r.status ?? r.signal}): ${r.stderr.toString().trim()}`)
      return Number(process.hrtime.bigint() - start) / 1e6
    }
    const inProcess = async () => {
      const start = process.hrtime.bigint()
      const r = await box.run('', ['/bin/true'], { rm: true, rootfs })
      if (r.exitCode !== 0) throw new Error(`TscBox.run exited ${r.exitCode}: ${r.stderr.toString()}`)
      return Number(process.hrtime.bigint() - start) / 1e6
    }
    cli()
    await inProcess()
    const times = { cli: [] as number[], sdk: [] as number[] }
    // Interleaved, so that drift in the machine's load hits both alike.
    for (let i = 0; i < runs; i++) {
      times.cli.push(cli())
      times.sdk.push(await inProcess())
    }
    const CLI_LABEL = 'tsc-box run --rm --rootfs DIR /bin/true'
    const SDK_LABEL = 'TscBox.run /bin/true (one process)'
    report(
      'SDK: a run inside one Node process against the CLI',
      [
        { label: SDK_LABEL, medianMs: median(times.sdk), runs },
        { label: CLI_LABEL, medianMs: median(times.cli), runs },
      ],
      [[SDK_LABEL, CLI_LABEL, 0.3]],
    )

    collect()
    const before = process.memoryUsage()
    for (let i = 0; i < 100; i++) await inProcess()
    collect()
    const after = process.memoryUsage()
    console.log('  100 sequential TscBox.run from one process (after a full gc):')
    console.log(`    heapUsed ${mib(before.heapUsed)} -> ${mib(after.heapUsed)}, rss ${mib(before.rss)} -> ${mib(after.rss)}`)
    const grown = after.heapUsed - before.heapUsed
    console.log(
      `    heap growth ${mib(grown)} (${(grown / 100 / 1024).toFixed(1)} KiB per run)${grown < 2 * 1048576 ? '  (target: no growth: met)' : '  (target: no growth: NOT met)'}`,
    )
  } finally {
    removeStore(root)
  }
}
