import test from 'ava'
import { errorJson, toErrorReport } from '../src/cli/error-output'
import { CliError } from '../src/errors'
import { exitCodeForKind, parseRuntimeLog, runOutcome } from '../src/runtime/log'

test('CliError keeps its code and exit status; 125 by default', (t) => {
  t.deepEqual(toErrorReport(new CliError('x', 'msg')), { code: 'x', message: 'msg', exitCode: 125 })
  t.deepEqual(toErrorReport(new CliError('runtime_not_found', 'nope', 127)), { code: 'runtime_not_found', message: 'nope', exitCode: 127 })
})

test('oclif parse errors are bad input: 125', (t) => {
  const e = Object.assign(new Error('Nonexistent flag: --x\nSee more help with --help'), { parse: {}, oclif: { exit: 2 } })
  t.deepEqual(toErrorReport(e), { code: 'invalid_usage', message: 'Nonexistent flag: --x', exitCode: 125 })
})

test('oclif exit requests pass their status through silently', (t) => {
  const e = Object.assign(new Error('EEXIT: 0'), { code: 'EEXIT', oclif: { exit: 0 } })
  t.is(toErrorReport(e).exitCode, 0)
  t.is(toErrorReport(e).code, 'exit')
})

test('anything else is an internal failure: 125', (t) => {
  t.deepEqual(toErrorReport(new Error('boom')), { code: 'internal', message: 'boom', exitCode: 125 })
  t.is(toErrorReport('str').exitCode, 125)
})

test('the JSON error shape', (t) => {
  t.deepEqual(errorJson({ code: 'c', message: 'm', exitCode: 125 }), { error: { code: 'c', message: 'm' } })
})

test('runtime error kinds map to docker statuses', (t) => {
  t.is(exitCodeForKind('not_found'), 127)
  t.is(exitCodeForKind('permission'), 126)
  for (const k of ['config', 'rootfs', 'namespace', 'cgroup', 'mount', 'user', 'process', 'state', 'internal', 'other']) t.is(exitCodeForKind(k), 125)
})

test('the runtime log: first error line wins; exit line; text lines ignored', (t) => {
  const log = parseRuntimeLog(
    'panic text\n' +
      '{"level":"error","msg":"exec: no such file","kind":"not_found","time":"t"}\n' +
      '{"level":"error","msg":"later","kind":"internal"}\n' +
      '{"level":"info","msg":"container exited","kind":"exit","status":3,"oomKilled":true}\n',
  )
  t.deepEqual(log.error, { kind: 'not_found', msg: 'exec: no such file' })
  t.deepEqual(log.exit, { status: 3, oomKilled: true })
})

test('outcome: an error line is the runtime failing, whatever its status', (t) => {
  const o = runOutcome({ error: { kind: 'permission', msg: 'denied' } }, { exitCode: 126, signal: null })
  t.deepEqual(o, { kind: 'failed', exitCode: 126, errorKind: 'permission', message: 'denied', fromLog: true })
})

test('outcome: the exit line gives the app status and the OOM kill', (t) => {
  t.deepEqual(runOutcome({ exit: { status: 137, oomKilled: true } }, { exitCode: 137, signal: null }), { kind: 'exited', exitCode: 137, oomKilled: true })
})

test('outcome: no log line trusts the runtime status; a killed runtime is 125', (t) => {
  t.deepEqual(runOutcome({}, { exitCode: 143, signal: null }), { kind: 'exited', exitCode: 143, oomKilled: false })
  t.is(runOutcome({}, { exitCode: null, signal: 9 }).exitCode, 125)
})

test('oclif\'s "command not found" for a leading flag reads as an unknown flag', (t) => {
  t.deepEqual(toErrorReport(new Error('command --bogus not found')), { code: 'unknown_flag', message: 'unknown flag: --bogus', exitCode: 125 })
  t.is(toErrorReport(new Error('command nope not found')).code, 'unknown_command')
})

test('an error the runtime already printed is not repeated on stderr', (t) => {
  t.true(toErrorReport(new CliError('runtime_not_found', 'x', 127, { shown: true })).shown)
  t.is(toErrorReport(new CliError('x', 'y')).shown, undefined)
})
