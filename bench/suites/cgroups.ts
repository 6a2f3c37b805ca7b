// Issue 3: what resource limits cost. The runtime runs /bin/true on the same bundle with and
// without a memory+cpu+pids limit, and runc does the same, interleaved. Target: the limits
// add under 2 ms to tsc-box-runtime's run.
import { compare, report } from '../measure'
import { editConfig, runcSpecBundle, RUNTIME, runtimeRun } from '../fixtures'

const LIMITS = {
  memory: { limit: 64 * 1024 * 1024, swap: 64 * 1024 * 1024 },
  cpu: { quota: 50000, period: 100000 },
  pids: { limit: 100 },
}

function limitedBundle(): string {
  const dir = runcSpecBundle(['/bin/true'])
  editConfig(dir, (config) => {
    config.linux.resources = { ...config.linux.resources, ...LIMITS }
  })
  return dir
}

export function cgroupLimits(runs: number) {
  const plain = runcSpecBundle(['/bin/true'])
  const limited = limitedBundle()
  const commands = [
    runtimeRun('tsc-box-runtime run (no limits)', RUNTIME, plain),
    runtimeRun('tsc-box-runtime run (memory+cpu+pids)', RUNTIME, limited),
    runtimeRun('runc run (no limits)', 'runc', plain),
    runtimeRun('runc run (memory+cpu+pids)', 'runc', limited),
  ]
  const samples = compare(commands, runs)
  report('cgroups: /bin/true with and without memory+cpu+pids limits', samples, [
    ['tsc-box-runtime run (memory+cpu+pids)', 'tsc-box-runtime run (no limits)'],
    ['runc run (memory+cpu+pids)', 'runc run (no limits)'],
    ['tsc-box-runtime run (memory+cpu+pids)', 'runc run (memory+cpu+pids)'],
  ])
  const by = new Map(samples.map((s) => [s.label, s.medianMs]))
  const cost = by.get('tsc-box-runtime run (memory+cpu+pids)')! - by.get('tsc-box-runtime run (no limits)')!
  console.log(`  cost of the limits in tsc-box-runtime: ${cost.toFixed(2)} ms  (target < 2 ms: ${cost < 2 ? 'met' : 'NOT met'})`)
}
