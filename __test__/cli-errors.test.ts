import test from 'ava'
import { errorJson, toErrorReport } from '../src/cli/error-output'
import { CliError, fromNative, isErrorCode } from '../src/errors'
import { EXIT_STATUS, RUNTIME_KINDS } from '../src/generated/error-codes'
import { exitCodeForKind, parseRuntimeLog, runOutcome } from '../src/runtime/log'

test("CliError keeps its code; its exit status is the code's unless given", (t) => {
  t.deepEqual(toErrorReport(new CliError('invalid_flag', 'msg')), { code: 'invalid_flag', message: 'msg', exitCode: 125 })
  t.deepEqual(toErrorReport(new CliError('runtime_not_found', 'nope')), { code: 'runtime_not_found', message: 'nope', exitCode: 127 })
  t.is(new CliError('no_such_container', 'x').exitCode, 1)
  t.is(new CliError('container_not_running', 'x', 125).exitCode, 125)
})

test('the generated codes: docker statuses only, a runtime_ code for every kind', (t) => {
  for (const [code, exit] of Object.entries(EXIT_STATUS)) t.true([1, 125, 126, 127].includes(exit), code)
  for (const k of RUNTIME_KINDS) t.true(isErrorCode(`runtime_${k}`), k)
  t.true(isErrorCode('no_such_container'))
  t.false(isErrorCode('exit'))
  t.false(isErrorCode('toString'))
  t.false(isErrorCode(undefined))
})

test("napi errors: their code property makes a CliError with the code's status; others pass through", (t) => {
  const coded = Object.assign(new Error('no such container: x'), { code: 'no_such_container' })
  const e = fromNative(coded)
  t.true(e instanceof CliError)
  t.deepEqual(toErrorReport(e), { code: 'no_such_container', message: 'no such container: x', exitCode: 1 })
  // napi-rs's own statuses (GenericFailure, InvalidArg) are no contract code: left as they are.
  const plain = Object.assign(new Error('bad'), { code: 'InvalidArg' })
  t.is(fromNative(plain), plain)
  const own = new CliError('invalid_image', 'x')
  t.is(fromNative(own), own)
  t.is(fromNative('text'), 'text')
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
  t.deepEqual(errorJson({ code: 'invalid_flag', message: 'm', exitCode: 125 }), { error: { code: 'invalid_flag', message: 'm' } })
})

test('runtime error kinds map to docker statuses', (t) => {
  t.is(exitCodeForKind('not_found'), 127)
  t.is(exitCodeForKind('permission'), 126)
  for (const k of ['config', 'rootfs', 'namespace', 'cgroup', 'mount', 'user', 'process', 'state', 'internal'] as const) t.is(exitCodeForKind(k), 125)
})

test("a kind the CLI does not know (another runtime's) is internal: 125", (t) => {
  const log = parseRuntimeLog('{"level":"error","msg":"odd","kind":"other"}\n{"level":"error","msg":"none"}\n')
  t.deepEqual(log.error, { kind: 'internal', msg: 'odd' })
  t.is(runOutcome(log, { exitCode: 1, signal: null }).exitCode, 125)
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
  t.is(toErrorReport(new CliError('internal', 'y')).shown, undefined)
})
