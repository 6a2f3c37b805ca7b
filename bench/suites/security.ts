// Issue 5: what the default security profile costs per start. The runtime runs /bin/true on
// one bundle with the CLI's own defaults (14 capabilities, no_new_privs, the default seccomp
// filter, masked and read-only paths, device rules) and on one with what --privileged
// --security-opt seccomp=unconfined gives. Target: under 1 ms per start.
import { applySecurity } from '../../src/oci/security'
import { compare, report } from '../measure'
import { editConfig, runcSpecBundle, RUNTIME, runtimeRun } from '../fixtures'

function bundleWith(flags: Parameters<typeof applySecurity>[1]): string {
  const dir = runcSpecBundle(['/bin/true'])
  editConfig(dir, (config) => {
    delete config.linux.resources.devices // runc spec's deny-all would come last and win
    applySecurity(config, flags)
  })
  return dir
}

export function securityProfile(runs: number) {
  const defaults = bundleWith({ 'cap-add': [], 'cap-drop': [], privileged: false, 'security-opt': [] })
  const open = bundleWith({ 'cap-add': [], 'cap-drop': [], privileged: true, 'security-opt': [{ kind: 'seccomp', profile: 'unconfined' }] })
  const samples = compare(
    [runtimeRun('tsc-box-runtime run (default security)', RUNTIME, defaults), runtimeRun('tsc-box-runtime run (privileged, unconfined)', RUNTIME, open)],
    runs,
  )
  report('security: /bin/true with the default profile and without', samples, [
    ['tsc-box-runtime run (default security)', 'tsc-box-runtime run (privileged, unconfined)'],
  ])
  const cost = samples[0]!.medianMs - samples[1]!.medianMs
  console.log(`  cost of the default profile: ${cost.toFixed(2)} ms per start  (target < 1 ms: ${cost < 1 ? 'met' : 'NOT met'})`)
}
