// Pure parts of the CLI's security flags: capability arithmetic, --security-opt parsing and
// what applySecurity writes into the spec.
import test from 'ava'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CliError } from '../src/errors'
import { ALL_CAPS, capsFromMask, DEFAULT_CAPS, normalizeCap, resolveCaps } from '../src/oci/security-caps'
import { parseSecurityOpt } from '../src/oci/security-opts'
import { applySecurity, DEFAULT_DEVICE_RULES, MASKED_PATHS, READONLY_PATHS, type SecurityFlags } from '../src/oci/security'
import type { Spec } from '../src/oci/spec'

const HOST = { arch: 'x64', kernel: '6.18.0', bounding: new Set(ALL_CAPS) }

function spec(): Spec {
  return {
    ociVersion: '1.2.0',
    process: { user: { uid: 0, gid: 0 }, args: ['/bin/true'], cwd: '/' },
    root: { path: '/r' },
    mounts: [{ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'ro'] }],
    linux: { resources: { pids: { limit: 10 }, devices: [{ allow: true, type: 'c', major: 10, minor: 200, access: 'rw' }] } },
  }
}

function flags(f: Partial<SecurityFlags> = {}): SecurityFlags {
  return { 'cap-add': [], 'cap-drop': [], privileged: false, 'security-opt': [], ...f }
}

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    if (e instanceof CliError) return e.code
    throw e
  }
  return 'no error'
}

test("the default set is docker's 14 capabilities", (t) => {
  t.is(DEFAULT_CAPS.length, 14)
  t.deepEqual(resolveCaps([], [], false).sort(), [...DEFAULT_CAPS].sort())
  t.is(ALL_CAPS.length, 41)
})

test('capability names are normalised and unknown ones refused', (t) => {
  t.is(normalizeCap('sys_admin'), 'CAP_SYS_ADMIN')
  t.is(normalizeCap('CAP_NET_ADMIN'), 'CAP_NET_ADMIN')
  t.is(normalizeCap('all'), 'ALL')
  t.is(
    code(() => normalizeCap('CAP_FLY')),
    'invalid_capability',
  )
  t.is(
    code(() => resolveCaps(['SYS_WIZARD'], [], false)),
    'invalid_capability',
  )
})

test('cap arithmetic follows docker', (t) => {
  const withAdmin = resolveCaps(['SYS_ADMIN'], ['NET_RAW'], false)
  t.true(withAdmin.includes('CAP_SYS_ADMIN'))
  t.false(withAdmin.includes('CAP_NET_RAW'))
  t.is(withAdmin.length, 14)
  t.deepEqual(resolveCaps(['CHOWN'], ['ALL'], false), ['CAP_CHOWN'])
  t.deepEqual(resolveCaps([], ['ALL'], false), [])
  const allButOne = resolveCaps(['ALL'], ['SYS_MODULE'], false)
  t.is(allButOne.length, 40)
  t.false(allButOne.includes('CAP_SYS_MODULE'))
  t.is(resolveCaps(['ALL'], ['ALL'], false).length, 41)
  t.is(resolveCaps([], ['ALL'], true).length, 41, '--privileged wins')
  // Added and dropped: docker drops from the defaults first, then adds.
  t.true(resolveCaps(['KILL'], ['KILL'], false).includes('CAP_KILL'))
})

test('capabilities tsc-box does not hold itself: left out of ALL, refused by name', (t) => {
  const available = capsFromMask('1fffeffffff') // no CAP_SYS_RESOURCE (24)
  t.false(available.has('CAP_SYS_RESOURCE'))
  t.is(available.size, 40)
  t.is(resolveCaps([], [], true, available).length, 40)
  t.false(resolveCaps(['ALL'], [], false, available).includes('CAP_SYS_RESOURCE'))
  t.is(
    code(() => resolveCaps(['SYS_RESOURCE'], [], false, available)),
    'capability_unavailable',
  )
  t.deepEqual(resolveCaps([], [], false, available).sort(), [...DEFAULT_CAPS].sort())
})

test('--security-opt spellings', (t) => {
  t.deepEqual(parseSecurityOpt('no-new-privileges'), { kind: 'no-new-privileges', value: true })
  t.deepEqual(parseSecurityOpt('no-new-privileges=false'), { kind: 'no-new-privileges', value: false })
  t.deepEqual(parseSecurityOpt('no-new-privileges:true'), { kind: 'no-new-privileges', value: true })
  t.deepEqual(parseSecurityOpt('seccomp=unconfined'), { kind: 'seccomp', profile: 'unconfined' })
  t.deepEqual(parseSecurityOpt('systempaths=unconfined'), { kind: 'systempaths-unconfined' })
  t.deepEqual(parseSecurityOpt('label=disable'), { kind: 'no-op', value: 'label=disable' })
  t.deepEqual(parseSecurityOpt('apparmor=unconfined'), { kind: 'no-op', value: 'apparmor=unconfined' })
  for (const bad of [
    'no-new-privileges=maybe',
    'seccomp',
    'seccomp=/nonexistent/profile.json',
    'apparmor=docker-default',
    'label=type:svirt_t',
    'selinux=1',
    'systempaths=confined',
    '=x',
  ]) {
    t.is(
      code(() => parseSecurityOpt(bad)),
      'invalid_security_opt',
      bad,
    )
  }
})

test('a seccomp profile file is read and its shape checked', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-secopt-'))
  const good = join(dir, 'good.json')
  writeFileSync(good, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO' }] }))
  const opt = parseSecurityOpt(`seccomp=${good}`)
  t.is(opt.kind, 'seccomp')
  for (const [name, content] of [
    ['notjson', '{'],
    ['array', '[]'],
    ['noaction', '{"syscalls":[]}'],
    ['badsyscalls', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":{}}'],
    ['nonames', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ALLOW"}]}'],
    ['badcaps', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","includes":{"caps":"CAP_SYS_ADMIN"}}]}'],
    ['badkernel', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"new"}}]}'],
  ]) {
    const p = join(dir, `${name}.json`)
    writeFileSync(p, content)
    const e = t.throws(() => parseSecurityOpt(`seccomp=${p}`), { instanceOf: CliError })
    t.is(e?.code, 'invalid_seccomp_profile', name)
    t.true(e?.message.includes(p), `${name}: message names the file`)
  }
})

test('defaults: docker caps, no inheritable/ambient, no_new_privs, seccomp, masked paths, devices', (t) => {
  const s = spec()
  applySecurity(s, flags(), HOST)
  const caps = s.process?.capabilities
  t.deepEqual([...(caps?.bounding ?? [])].sort(), [...DEFAULT_CAPS].sort())
  t.deepEqual(caps?.effective, caps?.bounding)
  t.deepEqual(caps?.permitted, caps?.bounding)
  t.deepEqual(caps?.inheritable, [])
  t.deepEqual(caps?.ambient, [])
  t.true(s.process?.noNewPrivileges)
  t.is(s.linux?.seccomp?.defaultAction, 'SCMP_ACT_ERRNO')
  t.deepEqual(s.linux?.seccomp?.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'])
  t.deepEqual(s.linux?.maskedPaths, [...MASKED_PATHS])
  t.deepEqual(s.linux?.readonlyPaths, [...READONLY_PATHS])
  const devices = s.linux?.resources?.devices ?? []
  t.deepEqual(devices[0], { allow: false, access: 'rwm' })
  t.deepEqual(devices.slice(0, DEFAULT_DEVICE_RULES.length), [...DEFAULT_DEVICE_RULES])
  t.false(
    devices.some((d) => d.allow && (d.type === 'b' || d.type === 'a' || d.type === undefined)),
    'no block device allowed',
  )
  t.deepEqual(devices.at(-1), { allow: true, type: 'c', major: 10, minor: 200, access: 'rw' }, "other modules' rules kept after ours")
  t.deepEqual(s.linux?.resources?.pids, { limit: 10 }, 'other resources untouched')
  t.deepEqual(s.mounts?.[0].options, ['nosuid', 'ro'])
})

test('--privileged: every capability, no seccomp, no masked paths, all devices, /sys writable', (t) => {
  const s = spec()
  applySecurity(s, flags({ privileged: true }), HOST)
  t.is(s.process?.capabilities?.bounding?.length, 41)
  t.deepEqual(s.process?.capabilities?.inheritable, [])
  t.deepEqual(s.process?.capabilities?.ambient, [])
  t.false(s.process?.noNewPrivileges)
  t.is(s.linux?.seccomp, undefined)
  t.is(s.linux?.maskedPaths, undefined)
  t.is(s.linux?.readonlyPaths, undefined)
  t.deepEqual(s.linux?.resources?.devices?.[0], { allow: true, access: 'rwm' })
  t.deepEqual(s.mounts?.[0].options, ['nosuid'])
})

test('security options override the defaults', (t) => {
  const s = spec()
  applySecurity(
    s,
    flags({
      'security-opt': [parseSecurityOpt('seccomp=unconfined'), parseSecurityOpt('no-new-privileges=false'), parseSecurityOpt('systempaths=unconfined')],
    }),
    HOST,
  )
  t.is(s.linux?.seccomp, undefined)
  t.false(s.process?.noNewPrivileges)
  t.is(s.linux?.maskedPaths, undefined)
  const p = spec()
  applySecurity(p, flags({ privileged: true, 'security-opt': [parseSecurityOpt('no-new-privileges')] }), HOST)
  t.true(p.process?.noNewPrivileges, 'explicit no-new-privileges holds under --privileged')
})

test('--uidmap/--gidmap add a user namespace with the maps; bad maps and --userns=host conflicts refused', async (t) => {
  const { parseIdMap, applyUserns, parseUsernsMode } = await import('../src/oci/security-userns')
  t.deepEqual(parseIdMap('0:100000:65536', 'uidmap'), { containerID: 0, hostID: 100000, size: 65536 })
  for (const bad of ['0:100000', '0:100000:0', 'a:b:c', '0:4294967295:2', '-1:0:1']) {
    t.is(
      code(() => parseIdMap(bad, 'uidmap')),
      'invalid_userns',
      bad,
    )
  }
  await t.throwsAsync(parseUsernsMode('private'), { instanceOf: CliError, message: /--userns=private is not supported/ })
  t.is(await parseUsernsMode('host'), 'host')
  t.is(await parseUsernsMode('auto'), 'auto')
  t.is(await parseUsernsMode('keep-id'), 'keep-id')

  const s = spec()
  s.linux!.namespaces = [{ type: 'pid' }, { type: 'mount' }]
  applySecurity(s, flags({ uidmap: [parseIdMap('0:100000:65536', 'uidmap')], gidmap: [] }), HOST)
  t.deepEqual(s.linux?.namespaces, [{ type: 'pid' }, { type: 'mount' }, { type: 'user' }])
  t.deepEqual(s.linux?.uidMappings, [{ containerID: 0, hostID: 100000, size: 65536 }])
  t.deepEqual(s.linux?.gidMappings, [{ containerID: 0, hostID: 100000, size: 65536 }], 'gid maps default to the uid maps')

  const n = spec()
  applyUserns(n, { uidmap: [], gidmap: [] })
  t.is(n.linux?.uidMappings, undefined)
  t.is(
    code(() => applyUserns(spec(), { userns: 'host', uidmap: [parseIdMap('0:1:1', 'uidmap')], gidmap: [] })),
    'invalid_userns',
  )
})
