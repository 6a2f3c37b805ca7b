// Every command's --json output validates against its JSON Schema under schema/ (written from
// the TS types of src/sdk/json.ts by `npm run gen:schema`), and the committed schemas are
// current: a changed shape without a new schema fails here.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { serialIf } from './helpers/conditional'
import Ajv from 'ajv'
import { makeDataRoot, REPO, tsc } from './helpers/cli'
import { startRegistry } from './image-registry-fixtures'

const ajv = new Ajv({ allErrors: true, strict: false })

const compiled = new Map<string, ReturnType<typeof ajv.compile>>()

function validate(command: string, text: string): string[] {
  let check = compiled.get(command)
  if (!check) {
    check = ajv.compile(JSON.parse(readFileSync(join(REPO, 'schema', `${command.replace(/:/g, '-')}.schema.json`), 'utf8')))
    compiled.set(command, check)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return [`not JSON: ${JSON.stringify(text)}`]
  }
  return check(doc) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
}

/** `--json` right after the command's words: run's and exec's flags end at the image or container. */
function withJson(command: string, args: string[]): string[] {
  const words = command === 'error' ? 1 : command.split(':').length
  return [...args.slice(0, words), '--json', ...args.slice(words)]
}

/** `tsc-box COMMAND --json ARGS`: exit 0 and output that its schema takes. */
function valid(t: import('ava').ExecutionContext, root: string, command: string, args: string[]): unknown {
  const r = tsc(root, withJson(command, args))
  t.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
  const errors = validate(command, r.stdout)
  t.deepEqual(errors, [], `${args.join(' ')} --json: ${r.stdout}`)
  return errors.length === 0 ? JSON.parse(r.stdout) : {}
}

test('the committed schemas and SDK flag types are what npm run gen:schema writes', (t) => {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'gen-schema.js'), '--check'], { encoding: 'utf8' })
  t.is(r.status, 0, r.stderr)
})

test('container commands: run, run -d, create, ps, inspect, logs, wait, stop, kill, start, cp, rm, exec, top, stats', (t) => {
  const root = makeDataRoot()
  valid(t, root, 'run', ['run', '--rm', 'host:/bin/true'])
  const d = valid(t, root, 'run', ['run', '-d', 'host:/bin/sleep', '30']) as { id: string }
  const c = valid(t, root, 'create', ['create', 'host:/bin/true']) as { id: string }
  valid(t, root, 'ps', ['ps', '-a'])
  valid(t, root, 'inspect', ['inspect', d.id, c.id])
  valid(t, root, 'exec', ['exec', d.id, '/bin/sleep', '0'])
  valid(t, root, 'top', ['top', d.id])
  valid(t, root, 'stats', ['stats', '--no-stream', d.id])
  valid(t, root, 'kill', ['kill', '-s', 'TERM', d.id])
  valid(t, root, 'wait', ['wait', d.id])
  valid(t, root, 'logs', ['logs', d.id])
  valid(t, root, 'start', ['start', c.id])
  valid(t, root, 'wait', ['wait', c.id])
  valid(t, root, 'stop', ['stop', c.id])
  // A stopped container's copy is Node's (the front door copies for running ones): one shape.
  valid(t, root, 'cp', ['cp', `${c.id}:/bin/true`, join(root, 'true')])
  valid(t, root, 'rm', ['rm', d.id, c.id])
  valid(t, root, 'container:prune', ['container', 'prune', '-f'])
})

test('image commands: from-host, images, image inspect, tag, save, load, history, rmi', (t) => {
  const root = makeDataRoot()
  const img = valid(t, root, 'image:from-host', ['image', 'from-host', 'localhost/schema-test:1', '/bin/true']) as { id: string }
  valid(t, root, 'images', ['images'])
  valid(t, root, 'image:inspect', ['image', 'inspect', 'localhost/schema-test:1'])
  valid(t, root, 'tag', ['tag', 'localhost/schema-test:1', 'localhost/schema-test:2'])
  valid(t, root, 'history', ['history', img.id])
  const file = join(root, 'saved.tar')
  valid(t, root, 'save', ['save', '-o', file, 'localhost/schema-test:1'])
  valid(t, root, 'rmi', ['rmi', 'localhost/schema-test:2'])
  const other = makeDataRoot()
  valid(t, other, 'load', ['load', '-i', file])
  valid(t, root, 'rmi', ['rmi', 'localhost/schema-test:1'])
  valid(t, root, 'image:prune', ['image', 'prune', '-f'])
})

test('build (its event lines and its result), commit, import, export, diff, cp, port, restart, pause, unpause, builder prune', (t) => {
  const root = makeDataRoot()
  t.is(tsc(root, ['image', 'from-host', 'localhost/schema-base:1', '/bin/sleep']).code, 0)
  const context = join(root, 'context')
  mkdirSync(context)
  writeFileSync(join(context, 'Dockerfile'), 'FROM localhost/schema-base:1\nLABEL purpose=schema\n')
  const b = tsc(root, ['build', '--json', '-t', 'localhost/schema-built:1', context])
  t.is(b.code, 0, b.stderr)
  const lines = b.stdout.split('\n')
  const events = lines.filter((l) => l.startsWith('{"event"'))
  t.true(events.length >= 2, b.stdout)
  for (const e of events) t.deepEqual(validate('build:event', e), [], e)
  t.deepEqual(validate('build', lines.filter((l) => !l.startsWith('{"event"')).join('\n')), [], b.stdout)

  const d = valid(t, root, 'run', ['run', '-d', 'localhost/schema-built:1', '30']) as { id: string }
  valid(t, root, 'port', ['port', d.id])
  valid(t, root, 'diff', ['diff', d.id])
  valid(t, root, 'cp', ['cp', `${d.id}:/etc/hostname`, join(root, 'hostname')])
  valid(t, root, 'commit', ['commit', d.id, 'localhost/schema-commit:1'])
  valid(t, root, 'export', ['export', '-o', join(root, 'fs.tar'), d.id])
  valid(t, root, 'import', ['import', join(root, 'fs.tar'), 'localhost/schema-import:1'])
  valid(t, root, 'pause', ['pause', d.id])
  valid(t, root, 'unpause', ['unpause', d.id])
  valid(t, root, 'restart', ['restart', '-t', '0', d.id])
  valid(t, root, 'rm', ['rm', '-f', d.id])
  valid(t, root, 'builder:prune', ['builder', 'prune', '-f'])
})

test('pull and push against a registry', async (t) => {
  const reg = await startRegistry()
  t.teardown(() => reg.stop())
  const root = makeDataRoot()
  t.is(tsc(root, ['image', 'from-host', 'localhost/schema-push:1', '/bin/true']).code, 0)
  const ref = `${reg.host}/schema/push:1`
  valid(t, root, 'push', ['push', '--tls-verify=false', 'localhost/schema-push:1', ref])
  valid(t, makeDataRoot(), 'pull', ['pull', '--tls-verify=false', ref])
})

test('login against a registry with htpasswd', async (t) => {
  const reg = await startRegistry({ username: 'schema', password: 'secret' })
  t.teardown(() => reg.stop())
  const r = tsc(makeDataRoot(), ['login', '--json', '--tls-verify=false', '-u', 'schema', '-p', 'secret', reg.host])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(validate('login', r.stdout), [], r.stdout)
})

// Bridges need root (a rootless caller's networks are slirp4netns, with no network commands to run).
serialIf(process.getuid?.() === 0, 'needs root: a network is a bridge on the host')('network commands: create, ls, inspect, connect, disconnect, rm', (t) => {
  const root = makeDataRoot()
  const name = `schema${process.pid}`
  valid(t, root, 'network:create', ['network', 'create', name])
  t.teardown(() => tsc(root, ['network', 'rm', name]))
  valid(t, root, 'network:ls', ['network', 'ls'])
  valid(t, root, 'network:inspect', ['network', 'inspect', name])
  const d = valid(t, root, 'run', ['run', '-d', 'host:/bin/sleep', '30']) as { id: string }
  valid(t, root, 'network:connect', ['network', 'connect', name, d.id])
  valid(t, root, 'network:disconnect', ['network', 'disconnect', name, d.id])
  valid(t, root, 'rm', ['rm', '-f', d.id])
  valid(t, root, 'network:rm', ['network', 'rm', name])
})

test('volume commands: create, ls, inspect, rm, prune', (t) => {
  const root = makeDataRoot()
  valid(t, root, 'volume:create', ['volume', 'create', 'schemavol'])
  valid(t, root, 'volume:ls', ['volume', 'ls'])
  valid(t, root, 'volume:inspect', ['volume', 'inspect', 'schemavol'])
  valid(t, root, 'volume:rm', ['volume', 'rm', 'schemavol'])
  valid(t, root, 'volume:prune', ['volume', 'prune', '-f'])
})

test('info, and an error under --json is the error contract object', (t) => {
  const root = makeDataRoot()
  valid(t, root, 'info', ['info'])
  for (const args of [
    ['inspect', 'no-such-thing'],
    ['rm', 'no-such-container'],
    ['run', '--pull', 'never', 'example.invalid/none:1'],
  ]) {
    const r = tsc(root, withJson('error', args))
    t.not(r.code, 0)
    const last = r.stdout.trim().split('\n').pop() ?? ''
    t.deepEqual(validate('error', last), [], `${args.join(' ')}: ${r.stdout}`)
  }
})
