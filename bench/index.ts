// `npm run bench`: medians and ratios against runc, crun and node measured in this same run.
// BENCH_RUNS sets the runs per command (default 30).
import { cgroupLimits } from './suites/cgroups'
import { coreRun } from './suites/core-run'

const runs = Number(process.env.BENCH_RUNS ?? 30)
console.log(`# tsc-box benchmarks (${runs} runs per command, medians)`)
coreRun(runs)
cgroupLimits(runs)
