// Each docker mount flag tsc-box takes parses with docker's meaning (-v, --mount, --tmpfs,
// --volumes-from), and each bad form is refused with docker's words and exit status 125,
// before anything exists. Table-driven over src/volume/flags.ts (the one parser run and
// create use), plus the command table's rows for run and volume.
import test from 'ava'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CliError } from '../src/errors'
import { mergeTmpfsOptions, type MountRequest, parseMountFlag, parseTmpfsFlag, parseVolumeFlag, parseVolumesFrom } from '../src/volume/flags'

const CWD = '/home/me/project'
type Want = Partial<MountRequest>

const volumeCases: [string, Want][] = [
  ['/data', { type: 'volume', source: '', destination: '/data', readonly: false, mode: 'z' }],
  ['/data:ro', { type: 'volume', source: '', destination: '/data', readonly: true, mode: 'ro' }],
  ['cache:/var/cache', { type: 'volume', source: 'cache', destination: '/var/cache', readonly: false, nocopy: false }],
  ['cache:/var/cache:ro,nocopy', { type: 'volume', source: 'cache', readonly: true, nocopy: true, mode: 'ro,nocopy' }],
  [
    '/srv/www:/usr/share/nginx/html:ro',
    { type: 'bind', source: '/srv/www', destination: '/usr/share/nginx/html', readonly: true, propagation: 'rprivate', createSource: true },
  ],
  ['./site:/site', { type: 'bind', source: '/home/me/project/site', destination: '/site' }],
  ['../up/:/up/', { type: 'bind', source: '/home/me/up', destination: '/up' }],
  ['/a:/b:rw,rslave', { type: 'bind', readonly: false, propagation: 'rslave' }],
]

for (const [spec, want] of volumeCases) {
  test(`-v ${spec}`, (t) => {
    const got = parseVolumeFlag(spec, CWD)
    for (const [k, v] of Object.entries(want)) t.deepEqual(got[k as keyof MountRequest], v, k)
  })
}

const badVolumes: [string, RegExp][] = [
  ['a:b:c:d', /invalid volume specification: 'a:b:c:d'/],
  ['/a:/b:xx', /invalid mode: xx/],
  ['/a:relative', /mount path must be absolute/],
  ['/a:/', /destination can't be '\/'/],
  ['x:/data', /includes invalid characters for a local volume name/],
  ['bad name:/data', /includes invalid characters/],
  ['vol:/data:rshared', /propagation is for binds/],
  [':/data', /invalid volume specification/],
]

for (const [spec, msg] of badVolumes) {
  test(`-v ${spec} is refused`, (t) => {
    const e = t.throws(() => parseVolumeFlag(spec, CWD), { instanceOf: CliError })
    t.regex(e?.message ?? '', msg)
    t.is(e?.exitCode, 125)
  })
}

const mountCases: [string, Want][] = [
  ['type=volume,source=data,target=/data', { type: 'volume', source: 'data', destination: '/data', readonly: false }],
  ['src=data,dst=/data,readonly', { type: 'volume', source: 'data', readonly: true }],
  ['type=volume,target=/anon,volume-nocopy', { type: 'volume', source: '', nocopy: true }],
  ['type=volume,src=data,destination=/d,ro=true,volume-label=a=b', { readonly: true, labels: { a: 'b' } }],
  ['type=bind,source=/srv,target=/srv,bind-propagation=rshared', { type: 'bind', source: '/srv', propagation: 'rshared', createSource: false }],
  ['type=bind,src=./rel,dst=/x', { type: 'bind', source: '/home/me/project/rel' }],
  ['"type=bind","src=/a,b",dst=/x', { type: 'bind', source: '/a,b' }],
  ['type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1770', { type: 'tmpfs', tmpfs: ['rw', 'noexec', 'nosuid', 'nodev', 'size=64m', 'mode=1770'] }],
  ['type=tmpfs,dst=/run,tmpfs-size=1000,readonly', { type: 'tmpfs', readonly: true, tmpfs: ['noexec', 'nosuid', 'nodev', 'size=1000', 'ro'] }],
]

for (const [spec, want] of mountCases) {
  test(`--mount ${spec}`, (t) => {
    const got = parseMountFlag(spec, CWD)
    for (const [k, v] of Object.entries(want)) t.deepEqual(got[k as keyof MountRequest], v, k)
  })
}

const badMounts: [string, RegExp][] = [
  ['type=bind,src=/a,dst=/b,foo=bar', /unexpected key 'foo' in 'foo=bar'/],
  ['type=bind,src=/a', /target is required/],
  ['type=nfs,dst=/b', /invalid mount type "nfs"/],
  ['type=bind,dst=/b', /invalid mount config for type "bind": field Source must not be empty/],
  ['type=tmpfs,src=x,dst=/b', /field Source must not be specified/],
  ['type=bind,src=/a,dst=/b,volume-nocopy', /cannot mix 'volume-\*' options with mount type 'bind'/],
  ['type=volume,dst=/b,bind-propagation=rshared', /cannot mix 'bind-\*' options/],
  ['type=volume,dst=/b,tmpfs-size=1m', /cannot mix 'tmpfs-\*' options/],
  ['type=tmpfs,dst=/b,tmpfs-mode=999', /invalid value for tmpfs-mode/],
  ['type=tmpfs,dst=/b,tmpfs-size=lots', /invalid value for tmpfs-size/],
  ['type=bind,src=/a,dst=relative', /mount path must be absolute/],
  ['src,dst=/b', /invalid field 'src' must be a key=value pair/],
  ['type=volume,src=data,dst=/b,readonly=maybe', /invalid value for readonly/],
]

for (const [spec, msg] of badMounts) {
  test(`--mount ${spec} is refused`, (t) => {
    const e = t.throws(() => parseMountFlag(spec, CWD), { instanceOf: CliError })
    t.regex(e?.message ?? '', msg)
    t.is(e?.code, 'invalid_mount')
    t.is(e?.exitCode, 125)
  })
}

test('--tmpfs PATH[:OPTS]: docker defaults rw,noexec,nosuid,nodev, later options winning', (t) => {
  t.deepEqual(parseTmpfsFlag('/run').tmpfs, ['rw', 'noexec', 'nosuid', 'nodev'])
  t.deepEqual(parseTmpfsFlag('/run:size=64m,mode=1777').tmpfs, ['rw', 'noexec', 'nosuid', 'nodev', 'size=64m', 'mode=1777'])
  t.deepEqual(parseTmpfsFlag('/run:exec,suid').tmpfs, ['rw', 'nodev', 'exec', 'suid'])
  const ro = parseTmpfsFlag('/run:ro')
  t.true(ro.readonly)
  t.deepEqual(ro.tmpfs, ['noexec', 'nosuid', 'nodev', 'ro'])
  t.deepEqual(mergeTmpfsOptions(['size=1m', 'size=2m']), ['rw', 'noexec', 'nosuid', 'nodev', 'size=2m'])
  for (const bad of ['run', '/run:bogus', '/run:color=red', '/:size=1m']) {
    const e = t.throws(() => parseTmpfsFlag(bad), { instanceOf: CliError }, bad)
    t.is(e?.exitCode, 125)
  }
})

test('--volumes-from CONTAINER[:ro|rw]', (t) => {
  t.deepEqual(parseVolumesFrom('web'), { container: 'web', mode: undefined })
  t.deepEqual(parseVolumesFrom('web:ro'), { container: 'web', mode: 'ro' })
  t.deepEqual(parseVolumesFrom('web:rw'), { container: 'web', mode: 'rw' })
  for (const bad of ['web:rx', ':ro', 'a:ro:x']) t.throws(() => parseVolumesFrom(bad), { instanceOf: CliError }, bad)
})

test("the command table gives run and create docker's flags and volume its subcommands", (t) => {
  const table = JSON.parse(readFileSync(join(__dirname, '../src/cli/commands.json'), 'utf8')).commands
  const run = table.run.flags
  t.is(run.volume.char, 'v')
  for (const f of ['mount', 'tmpfs', 'volumes-from']) t.true(run[f].multiple, f)
  t.is(table.create.flagsOf, 'run')
  t.is(table.rm.flags.volumes.char, 'v')
  t.deepEqual(Object.keys(table['volume:create'].flags).sort(), ['driver', 'label', 'opt'])
  t.is(table['volume:create'].flags.opt.char, 'o')
  t.deepEqual(Object.keys(table['volume:ls'].flags).sort(), ['filter', 'format', 'quiet'])
  t.is(table['volume:ls'].flags.filter.char, 'f')
  t.is(table['volume:inspect'].flags.format.char, 'f')
  t.is(table['volume:rm'].flags.force.char, 'f')
  t.deepEqual(Object.keys(table['volume:prune'].flags).sort(), ['all', 'filter', 'force'])
})
