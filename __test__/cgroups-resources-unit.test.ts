// The conversion of docker's resource flags into OCI linux.resources (no root, no runtime):
// units, defaults, and errors that name the flag, with the host's rules stubbed.
import test from 'ava'
import { CliError } from '../src/errors'
import type { LinuxResources, Spec } from '../src/oci/spec'
import { applyResources, parseBytes, type ResourceFlags, type ResourceHost } from '../src/oci/resources'

const MiB = 1024 * 1024

function spec(): Spec {
  return { ociVersion: '1.2.0', linux: { cgroupsPath: '/tsc-box/abc123' } }
}

function host(
  problem: { field: string; message: string } | null = null,
  cpuCount = 2,
  weight: boolean | null = true,
): ResourceHost & { seen: LinuxResources[]; warnings: string[] } {
  const seen: LinuxResources[] = []
  const warnings: string[] = []
  const check = (r: LinuxResources) => {
    seen.push(r)
    return problem
  }
  return { cpuCount, seen, warnings, check, blockIoWeight: () => weight, warn: (m) => warnings.push(m) }
}

function apply(flags: ResourceFlags, h = host()): Spec {
  const s = spec()
  applyResources(s, flags, h)
  return s
}

function refused(t: import('ava').ExecutionContext, flags: ResourceFlags, message: RegExp, h = host()) {
  const e = t.throws(() => apply(flags, h))
  t.true(e instanceof CliError)
  t.is((e as CliError).exitCode, 125)
  t.is((e as CliError).code, 'invalid_resource')
  t.regex(e!.message, message)
}

test('docker sizes become bytes', (t) => {
  t.is(parseBytes('memory', '32m'), 32 * MiB)
  t.is(parseBytes('memory', '1g'), 1024 * MiB)
  t.is(parseBytes('memory', '1.5G'), 1536 * MiB)
  t.is(parseBytes('memory', '512MiB'), 512 * MiB)
  t.is(parseBytes('memory', '100'), 100)
  t.is(parseBytes('memory', '64kb'), 64 * 1024)
  t.throws(() => parseBytes('memory', 'abc'))
  t.throws(() => parseBytes('memory', '-1m'))
  t.throws(() => parseBytes('memory', '12x'))
})

test('--memory sets the limit and, like docker, as much swap again', (t) => {
  const s = apply({ memory: '32m' })
  t.deepEqual(s.linux?.resources?.memory, { limit: 32 * MiB, swap: 64 * MiB })
  t.deepEqual(apply({ memory: '32m', 'memory-swap': '-1' }).linux?.resources?.memory, { limit: 32 * MiB, swap: -1 })
  t.deepEqual(apply({ 'memory-reservation': '16m' }).linux?.resources?.memory, { reservation: 16 * MiB })
  t.is(apply({ memory: '0' }).linux?.resources?.memory?.limit, undefined)
})

test('--cpus becomes a quota over a 100 ms period', (t) => {
  t.deepEqual(apply({ cpus: '0.5' }).linux?.resources?.cpu, { quota: 50000, period: 100000 })
  t.deepEqual(apply({ cpus: '1.25' }).linux?.resources?.cpu, { quota: 125000, period: 100000 })
  t.deepEqual(apply({ 'cpu-quota': '20000', 'cpu-period': '50000', 'cpu-shares': '512' }).linux?.resources?.cpu, { quota: 20000, period: 50000, shares: 512 })
  t.deepEqual(apply({ 'cpuset-cpus': '0-1', 'cpuset-mems': '0' }).linux?.resources?.cpu, { cpus: '0-1', mems: '0' })
})

test("--blkio-weight on a kernel without a weight file is discarded with docker's warning", (t) => {
  const h = host(null, 2, false)
  t.is(apply({ 'blkio-weight': '300', memory: '64m' }, h).linux?.resources?.blockIO, undefined)
  t.deepEqual(h.warnings, ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.'])
  // When the CLI cannot tell (rootless), the weight goes to the runtime, which decides.
  const unknown = host(null, 2, null)
  t.deepEqual(apply({ 'blkio-weight': '300' }, unknown).linux?.resources?.blockIO, { weight: 300 })
  t.deepEqual(unknown.warnings, [])
  // A bad value is refused whatever the kernel has.
  refused(t, { 'blkio-weight': '2000' }, /--blkio-weight "2000"/, host(null, 2, false))
})

test('--pids-limit and --blkio-weight', (t) => {
  t.deepEqual(apply({ 'pids-limit': '10' }).linux?.resources?.pids, { limit: 10 })
  t.deepEqual(apply({ 'pids-limit': '-1' }).linux?.resources?.pids, { limit: -1 })
  t.deepEqual(apply({ 'pids-limit': '0' }).linux?.resources?.pids, { limit: -1 })
  t.deepEqual(apply({ 'blkio-weight': '300' }).linux?.resources?.blockIO, { weight: 300 })
})

test('--cgroup-parent re-parents the container cgroup', (t) => {
  t.is(apply({ 'cgroup-parent': '/my/parent/' }).linux?.cgroupsPath, '/my/parent/abc123')
  t.is(apply({ 'cgroup-parent': 'relative' }).linux?.cgroupsPath, 'relative/abc123')
})

test('no resource flag leaves the spec untouched and asks nothing of the host', (t) => {
  const h = host()
  const s = apply({}, h)
  t.deepEqual(s, spec())
  t.is(h.seen.length, 0)
})

test('flag-level mistakes are refused naming the flag', (t) => {
  refused(t, { memory: 'abc' }, /--memory "abc"/)
  refused(t, { cpus: '0' }, /--cpus "0"/)
  refused(t, { cpus: '3' }, /--cpus "3".*only 2 CPUs/)
  refused(t, { cpus: 'x' }, /--cpus "x"/)
  refused(t, { cpus: '0.5', 'cpu-quota': '1000' }, /--cpus.*conflicts/)
  refused(t, { 'pids-limit': '-5' }, /--pids-limit "-5"/)
  refused(t, { 'pids-limit': '1.5' }, /--pids-limit "1.5"/)
  refused(t, { 'memory-swap': '1g' }, /--memory-swap.*--memory/)
  refused(t, { 'blkio-weight': '2000' }, /--blkio-weight "2000"/)
  refused(t, { 'cgroup-parent': '/' }, /--cgroup-parent/)
})

test('the host rules name an OCI field, reported as the flag the user typed', (t) => {
  refused(t, { memory: '1k' }, /--memory "1k": below the floor/, host({ field: 'linux.resources.memory.limit', message: 'below the floor' }))
  refused(t, { 'cpuset-cpus': '99' }, /--cpuset-cpus "99": not here/, host({ field: 'linux.resources.cpu.cpus', message: 'not here' }))
  // --cpus is what produced the quota the rules refused.
  refused(t, { cpus: '0.5' }, /--cpus "0.5": bad quota/, host({ field: 'linux.resources.cpu.quota', message: 'bad quota' }))
})
