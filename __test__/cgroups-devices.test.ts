// The device rules of linux.resources.devices are enforced by the kernel: through
// devices.allow/deny on cgroup v1 hosts and through the eBPF device program on cgroup v2.
// The nodes are made with mknod in the container (the runtime's default rules allow mknod of
// any node, like runc), so only the device cgroup decides whether they can be opened.
import test from 'ava'
import type { LinuxDeviceCgroup } from '../src/oci/spec'
import { makeBundle, runtime, stateDir, TSC_RUNTIME, type Config } from './helpers/bundle'
import { cgroupsNamed } from './helpers/leaks'

// loop0 (block 7:0) read and written, and sda (block 8:0) read.
const PROBE = [
  'mknod /tmp/loop0 b 7 0; mknod /tmp/sda b 8 0',
  'cat /tmp/loop0 >/dev/null && echo loop-read-ok',
  '(echo x >/tmp/loop0) 2>&1 | sed s/^/loop-write:/',
  'cat /tmp/sda 2>&1 >/dev/null | sed s/^/sda-read:/',
  'echo done',
].join('; ')

function runWithRules(t: import('ava').ExecutionContext, id: string, rules: LinuxDeviceCgroup[]) {
  const bundle = makeBundle((c: Config) => {
    c.root.readonly = false
    for (const set of ['bounding', 'effective', 'permitted'] as const) c.process.capabilities[set].push('CAP_MKNOD')
    c.linux.resources.devices = rules
    c.process.args = ['sh', '-c', PROBE]
  })
  const r = runtime(TSC_RUNTIME, stateDir(), ['run', '-b', bundle, id])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /done/)
  t.deepEqual(cgroupsNamed(id), [])
  return r.stdout
}

test('deny-all then allow: only the allowed device and access get through', (t) => {
  const out = runWithRules(t, `cgdev-${process.pid}`, [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'b', major: 7, access: 'r' },
  ])
  t.regex(out, /loop-read-ok/)
  t.regex(out, /loop-write:.*Operation not permitted/)
  t.regex(out, /sda-read:.*Operation not permitted/)
})

test('without a deny-all a deny rule only narrows what is allowed', (t) => {
  const out = runWithRules(t, `cgdev2-${process.pid}`, [{ allow: false, type: 'b', major: 7, access: 'w' }])
  t.regex(out, /loop-read-ok/)
  t.regex(out, /loop-write:.*Operation not permitted/)
  // sda passes the device cgroup; whatever the driver then says, it is not a refusal by it.
  t.notRegex(out, /sda-read:.*Operation not permitted/)
})
