// `inspect` prints docker's documents: a container's Config (image as given, Cmd/Entrypoint,
// labels from the image and --label/--label-file), HostConfig from the flags, State, Name,
// Mounts and NetworkSettings; an image's RepoTags/RepoDigests/Config/RootFS; --type; several
// names in one array; a name that finds nothing: [] and "Error: No such object" (status 1),
// the --json error object. Both doors print the same bytes (front-inspect covers more forms).
import test from 'ava'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { makeArchive } from './image-fixtures'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()
const work = mkdtempSync(join(tmpdir(), 'tsc-box-inspect-'))
let imageId = ''

test.before(() => {
  const archive = makeArchive({
    dir: rootfs,
    name: 'localhost/shape:1',
    config: {
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['sleep 1000'],
      Env: ['PATH=/usr/bin:/bin', 'FROM_IMAGE=1'],
      WorkingDir: '/tmp',
      Labels: { 'org.example.from': 'image', both: 'image' },
      ExposedPorts: { '80/tcp': {} },
    },
  })
  const load = tsc(root, ['load', '-i', archive])
  if (load.code !== 0) throw new Error(`load: ${load.stderr}`)
  imageId = (JSON.parse(tsc(root, ['image', 'inspect', 'localhost/shape:1']).stdout) as Array<{ Id: string }>)[0]!.Id
  writeFileSync(join(work, 'labels'), '# a comment\n\nfrom.file=yes\nboth=file\n')
  const run = tsc(root, [
    'run',
    '-d',
    '--name',
    'shaped',
    '--network',
    'none',
    '-l',
    'both=flag',
    '--label',
    'plain',
    '--label-file',
    join(work, 'labels'),
    '--memory',
    '64m',
    '--cpus',
    '0.5',
    '--pids-limit',
    '50',
    '--cap-drop',
    'NET_RAW',
    '--read-only',
    '-e',
    'MINE=2',
    '-v',
    `${work}:/data:ro`,
    '--restart',
    'on-failure:3',
    'localhost/shape:1',
  ])
  if (run.code !== 0) throw new Error(`run: ${run.stderr}`)
  const done = tsc(root, ['run', '--name', 'plainroot', '--rootfs', rootfs, 'sh', '-c', 'exit 4'])
  if (done.code !== 4) throw new Error(`run --rootfs: ${done.stderr}`)
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
  rmSync(work, { recursive: true, force: true })
})

// biome-ignore lint/suspicious/noExplicitAny: docker's documents, read field by field
type Doc = Record<string, any>
const inspect = (...args: string[]): Doc[] => {
  const r = tsc(root, ['inspect', ...args])
  if (r.code !== 0) throw new Error(`inspect ${args.join(' ')}: ${r.stderr}`)
  return JSON.parse(r.stdout) as Doc[]
}

test("a container's document has docker's keys in docker's order", (t) => {
  const [d] = inspect('shaped')
  t.deepEqual(Object.keys(d!), [
    'Id',
    'Created',
    'Path',
    'Args',
    'State',
    'Image',
    'ResolvConfPath',
    'HostnamePath',
    'HostsPath',
    'LogPath',
    'Name',
    'RestartCount',
    'Driver',
    'Platform',
    'HostConfig',
    'GraphDriver',
    'Mounts',
    'Config',
    'NetworkSettings',
  ])
  t.deepEqual(Object.keys(d!.State), ['Status', 'Running', 'Paused', 'Restarting', 'OOMKilled', 'Dead', 'Pid', 'ExitCode', 'Error', 'StartedAt', 'FinishedAt'])
  t.like(d, { Name: '/shaped', Image: imageId, Path: '/bin/sh', Args: ['-c', 'sleep 1000'], State: { Status: 'running', Running: true, ExitCode: 0 } })
  t.true(d!.State.Pid > 0)
  // docker's output is indented by four spaces.
  t.true(tsc(root, ['inspect', 'shaped']).stdout.startsWith('[\n    {\n        "Id": '))
})

test('Config: the image as given, its command split as docker splits it, labels layered image < file < flag', (t) => {
  const [d] = inspect('shaped')
  t.like(d!.Config, { Image: 'localhost/shape:1', Entrypoint: ['/bin/sh', '-c'], Cmd: ['sleep 1000'], WorkingDir: '/tmp', Tty: false, OpenStdin: false })
  t.deepEqual(d!.Config.Labels, { both: 'flag', 'from.file': 'yes', 'org.example.from': 'image', plain: '' })
  t.deepEqual(d!.Config.ExposedPorts, { '80/tcp': {} })
  t.true((d!.Config.Env as string[]).includes('FROM_IMAGE=1'))
  t.true((d!.Config.Env as string[]).includes('MINE=2'))
  const [r] = inspect('plainroot')
  t.like(r!.Config, { Image: '', Cmd: ['sh', '-c', 'exit 4'], Entrypoint: null, Labels: {} })
  t.like(r, { Image: '', Driver: 'rootfs', State: { Status: 'exited', ExitCode: 4, Running: false } })
})

test('HostConfig and Mounts say what the flags asked for', (t) => {
  const [d] = inspect('shaped')
  t.like(d!.HostConfig, {
    Binds: [`${work}:/data:ro`],
    NetworkMode: 'none',
    RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    CapDrop: ['NET_RAW'],
    ReadonlyRootfs: true,
    Memory: 64 * 1024 * 1024,
    NanoCpus: 500_000_000,
    PidsLimit: 50,
    Privileged: false,
  })
  t.deepEqual(d!.Mounts, [{ Type: 'bind', Source: work, Destination: '/data', Mode: 'ro', RW: false, Propagation: 'rprivate' }])
  t.like(d!.NetworkSettings, { Networks: { none: { IPAddress: '' } } })
})

test('docker inspect reference examples run against the document', (t) => {
  const f = (tpl: string, name = 'shaped') => tsc(root, ['inspect', '--format', tpl, name])
  t.is(f('{{.Config.Image}}').stdout, 'localhost/shape:1\n')
  t.is(f('{{json .Config.Labels}}').stdout, '{"both":"flag","from.file":"yes","org.example.from":"image","plain":""}\n')
  t.is(f('{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}').stdout, '\n')
  t.is(f('{{.LogPath}}').code, 0)
  t.is(f('{{join .Args " , "}}').stdout, '-c , sleep 1000\n')
  t.is(f('{{lower .Name}}|{{upper .Name}}|{{title .Name}}').stdout, '/shaped|/SHAPED|/Shaped\n')
  t.is(f('{{split .Config.Image ":"}}').stdout, '[localhost/shape 1]\n')
  t.is(f('{{index .Config.Labels "both"}} {{len .Config.Labels}}').stdout, 'flag 4\n')
  t.is(f('{{if .State.Running}}up{{else}}down{{end}}').stdout, 'up\n')
})

test("an image's document, by inspect and image inspect, with --type", (t) => {
  const [img] = inspect('localhost/shape:1')
  t.deepEqual(Object.keys(img!).slice(0, 14), [
    'Id',
    'RepoTags',
    'RepoDigests',
    'Parent',
    'Comment',
    'Created',
    'Author',
    'Config',
    'Architecture',
    'Os',
    'Size',
    'RootFS',
    'Metadata',
    'Digest',
  ])
  t.like(img, { Id: imageId, RepoTags: ['localhost/shape:1'], Os: 'linux', RootFS: { Type: 'layers' } })
  t.regex((img!.RepoDigests as string[])[0]!, /^localhost\/shape@sha256:[0-9a-f]{64}$/)
  t.like(img!.Config, {
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: ['sleep 1000'],
    WorkingDir: '/tmp',
    User: '',
    Labels: { both: 'image' },
    ExposedPorts: { '80/tcp': {} },
  })
  t.is(img!.RootFS.Layers.length, 1)
  t.deepEqual(JSON.parse(tsc(root, ['image', 'inspect', 'localhost/shape:1']).stdout), [img])
  t.is(tsc(root, ['image', 'inspect', '-f', '{{.Config.Cmd}} {{index .RepoTags 0}}', imageId.slice(7, 19)]).stdout, '[sleep 1000] localhost/shape:1\n')
  // --type: an image name is no container.
  const typed = tsc(root, ['inspect', '--type', 'container', 'localhost/shape:1'])
  t.deepEqual([typed.code, typed.stdout, typed.stderr], [1, '[]\n', 'Error: No such container: localhost/shape:1\n'])
  t.is(tsc(root, ['inspect', '--type', 'image', '-f', '{{.Id}}', 'localhost/shape:1']).stdout, `${imageId}\n`)
})

test('a volume is found by inspect too, and only with --type volume when typed', (t) => {
  const made = tsc(root, ['volume', 'create', '--label', 'k=v', 'shapevol'])
  t.is(made.code, 0, made.stderr)
  const [v] = inspect('shapevol')
  t.like(v, { Name: 'shapevol', Driver: 'local', Labels: { k: 'v' }, Scope: 'local' })
  t.is(tsc(root, ['inspect', '--type', 'volume', '-f', '{{.Name}} {{.Labels.k}}', 'shapevol']).stdout, 'shapevol v\n')
  t.is(tsc(root, ['inspect', '--type', 'network', 'shapevol']).code, 1)
  tsc(root, ['volume', 'rm', 'shapevol'])
})

test('several names print one array, in the order given', (t) => {
  const docs = inspect('plainroot', 'localhost/shape:1', 'shaped')
  t.deepEqual(
    docs.map((d) => d.Name ?? d.RepoTags[0]),
    ['/plainroot', 'localhost/shape:1', '/shaped'],
  )
})

test("names that find nothing: [] on stdout, docker's words on stderr, status 1; --json: the error object", (t) => {
  for (const run of [tsc, tscNode]) {
    const r = run(root, ['inspect', 'nothing-here'])
    t.deepEqual([r.code, r.stdout, r.stderr], [1, '[]\n', 'Error: No such object: nothing-here\n'])
    const j = run(root, ['inspect', '--json', 'nothing-here'])
    t.is(j.code, 1)
    t.deepEqual(JSON.parse(j.stdout), { error: { code: 'no_such_object', message: 'No such object: nothing-here' } })
    const img = run(root, ['image', 'inspect', 'localhost/none:1'])
    t.deepEqual([img.code, img.stdout, img.stderr], [1, '[]\n', 'Error: No such image: localhost/none:1\n'])
  }
  const net = tsc(root, ['network', 'inspect', 'no-such-net'])
  t.deepEqual([net.code, net.stdout, net.stderr], [1, '[]\n', 'Error: No such network: no-such-net\n'])
  const bad = tsc(root, ['inspect', '--type', 'planet', 'shaped'])
  t.not(bad.code, 0)
})

test('a bad label is refused before anything is made', (t) => {
  const before = ps(root).length
  const r = tsc(root, ['run', '--label', '=x', '--rootfs', rootfs, 'true'])
  t.is(r.code, 125)
  t.regex(r.stderr, /invalid label "=x"/)
  const missing = tsc(root, ['run', '--label-file', join(work, 'nope'), '--rootfs', rootfs, 'true'])
  t.is(missing.code, 125)
  t.regex(missing.stderr, /--label-file/)
  t.is(ps(root).length, before)
})
