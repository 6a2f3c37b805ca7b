// OCI hooks as the runtime spec says (the mechanism bridge networking plugs into): each gets
// the state JSON on stdin; createRuntime runs once the namespaces exist and before the app
// starts, poststart after it started, poststop after the container is gone (also when create
// failed); a failing or too slow createRuntime hook stops the container and leaves nothing.
import test from 'ava'
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hooks } from '../src/oci/spec'
import { makeBundle, runtime, runtimeCreate, setArgs, stateDir, TSC_RUNTIME, type Config } from './helpers/bundle'

let seq = 0
const newId = (p: string) => `${p}-${process.pid}-${++seq}`

/** A hook that appends "PHASE <state json> <netns of pid> <our netns> <exe of pid>" to LOG. */
function recorder(log: string, phase: string) {
  const script = `read -r s; pid=$(echo "$s" | sed 's/.*"pid":\\([0-9]*\\).*/\\1/'); echo "$0 $s $(readlink /proc/$pid/ns/net) $(readlink /proc/self/ns/net) $(readlink /proc/$pid/exe)" >> ${log}`
  return { path: '/bin/sh', args: ['sh', '-c', script, phase] }
}

interface Line {
  phase: string
  state: { id: string; pid: number; status: string; bundle: string }
  theirNet: string
  ourNet: string
  exe: string
}

function readLog(log: string): Line[] {
  if (!existsSync(log)) return []
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [phase, json, theirNet, ourNet, exe] = l.split(' ')
      return { phase: phase!, state: JSON.parse(json!), theirNet: theirNet ?? '', ourNet: ourNet ?? '', exe: exe ?? '' }
    })
}

function withHooks(log: string, extra: (c: Config) => void = () => {}) {
  return (c: Config) => {
    c.hooks = {
      createRuntime: [recorder(log, 'createRuntime')],
      poststart: [recorder(log, 'poststart')],
      poststop: [recorder(log, 'poststop')],
    }
    extra(c)
  }
}

test('run: createRuntime sees the new namespaces before the app, then poststart, then poststop', (t) => {
  const log = join(mkdtempSync(join(tmpdir(), 'tsc-box-hooks-')), 'log')
  const bundle = makeBundle(withHooks(log, setArgs('sh', '-c', `echo app-ran`)))
  const id = newId('hooks')
  const r = runtime(TSC_RUNTIME, stateDir(), ['run', '-b', bundle, id])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'app-ran\n')
  const lines = readLog(log)
  t.deepEqual(
    lines.map((l) => l.phase),
    ['createRuntime', 'poststart', 'poststop'],
  )
  const [create, start, stop] = lines as [Line, Line, Line]
  t.is(create.state.id, id)
  t.is(create.state.status, 'creating')
  t.is(create.state.bundle, bundle)
  t.true(create.state.pid > 0)
  t.not(create.theirNet, create.ourNet, 'the container has its own network namespace by then')
  t.regex(create.exe, /tsc-box-runtime/, 'the app must not have started yet')
  t.is(start.state.status, 'running')
  t.is(start.state.pid, create.state.pid)
  t.is(stop.state.status, 'stopped')
})

test('create/start/delete: poststart at start, poststop at delete', (t) => {
  const log = join(mkdtempSync(join(tmpdir(), 'tsc-box-hooks-')), 'log')
  const bundle = makeBundle(withHooks(log, setArgs('sleep', '100')))
  const state = stateDir()
  const id = newId('life')
  t.is(runtimeCreate(TSC_RUNTIME, state, ['create', '-b', bundle, id]).code, 0)
  t.deepEqual(
    readLog(log).map((l) => l.phase),
    ['createRuntime'],
  )
  t.is(runtime(TSC_RUNTIME, state, ['start', id]).code, 0)
  t.deepEqual(
    readLog(log).map((l) => l.phase),
    ['createRuntime', 'poststart'],
  )
  t.is(runtime(TSC_RUNTIME, state, ['delete', '--force', id]).code, 0)
  t.deepEqual(
    readLog(log).map((l) => l.phase),
    ['createRuntime', 'poststart', 'poststop'],
  )
  t.is(readLog(log)[2]!.state.status, 'stopped')
})

test('a failing createRuntime hook stops the container: its message, poststop, no state left', (t) => {
  const log = join(mkdtempSync(join(tmpdir(), 'tsc-box-hooks-')), 'log')
  const bundle = makeBundle(
    withHooks(log, (c) => {
      setArgs('sh', '-c', 'echo app-ran')(c)
      c.hooks!.createRuntime!.push({ path: '/bin/sh', args: ['sh', '-c', 'echo no bridge for you >&2; exit 7'] })
    }),
  )
  const state = stateDir()
  const r = runtime(TSC_RUNTIME, state, ['run', '-b', bundle, newId('fail')])
  t.not(r.code, 0)
  t.false(r.stdout.includes('app-ran'))
  t.regex(r.stderr, /createRuntime hook \/bin\/sh failed \(exit status 7\): no bridge for you/)
  t.deepEqual(
    readLog(log).map((l) => l.phase),
    ['createRuntime', 'poststop'],
  )
  t.deepEqual(readdirSync(state), [])
})

test('a createRuntime hook past its timeout is killed and the run fails', (t) => {
  const bundle = makeBundle((c) => {
    setArgs('true')(c)
    c.hooks = { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] }
  })
  const state = stateDir()
  const t0 = Date.now()
  const r = runtime(TSC_RUNTIME, state, ['run', '-b', bundle, newId('slow')])
  t.not(r.code, 0)
  t.true(Date.now() - t0 < 10_000)
  t.regex(r.stderr, /did not finish within 1 s/)
  t.deepEqual(readdirSync(state), [])
})

test('hooks the runtime cannot honour are refused by name', (t) => {
  const refused: Array<[string, Hooks]> = [
    ['hooks.startContainer', { startContainer: [{ path: '/bin/true' }] }],
    ['hooks.createRuntime[0].path', { createRuntime: [{ path: 'relative/hook' }] }],
  ]
  for (const [field, hooks] of refused) {
    const bundle = makeBundle((c) => {
      setArgs('true')(c)
      c.hooks = hooks
    })
    const r = runtime(TSC_RUNTIME, stateDir(), ['run', '-b', bundle, newId('refuse')])
    t.is(r.code, 1)
    t.true(r.stderr.includes(field), r.stderr)
  }
})
