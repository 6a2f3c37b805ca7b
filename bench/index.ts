// `npm run bench`: medians and ratios against runc, crun, podman and node measured in this same
// run. BENCH_RUNS sets the runs per command (default 30); BENCH_ONLY=core,cgroups,... picks suites.
import { build } from './suites/build'
import { cgroupLimits } from './suites/cgroups'
import { commands } from './suites/commands'
import { cp } from './suites/cp'
import { coreRun } from './suites/core-run'
import { engines } from './suites/engines'
import { images } from './suites/images'
import { lifecycle } from './suites/lifecycle'
import { networkBench } from './suites/network'
import { sdk } from './suites/sdk'
import { securityProfile } from './suites/security'
import { volumes } from './suites/volumes'

const suites: Record<string, (runs: number) => void | Promise<void>> = {
  core: coreRun,
  cgroups: cgroupLimits,
  security: securityProfile,
  images,
  lifecycle,
  network: networkBench,
  engines,
  commands,
  cp,
  build,
  volumes,
  sdk,
}

async function main() {
  const runs = Number(process.env.BENCH_RUNS ?? 30)
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean)
  const unknown = only?.filter((name) => !(name in suites)) ?? []
  if (unknown.length) throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`)
  console.log(`# tsc-box benchmarks (${runs} runs per command, medians)`)
  for (const [name, suite] of Object.entries(suites)) {
    if (!only || only.includes(name)) await suite(runs)
  }
}

main().catch((err: Error) => {
  console.error(`bench: ${err.message}`)
  process.exitCode = 1
})
