// Runs the real `tsc-box` command (bin/run.js) the way a user does, each test file with its
// own data root so files run in parallel without seeing each other's containers.
import test, { type ExecutionContext } from 'ava'
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const REPO = resolve(__dirname, '../..')
export const BIN = join(REPO, 'bin/run.js')
export const RUNTIME = process.env.TSC_BOX_RUNTIME ?? join(REPO, 'target/runtime/tsc-box-runtime')

export interface Result {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export function makeDataRoot(): string {
  return mkdtempSync(join(tmpdir(), 'tsc-box-root-'))
}

/**
 * `tsc-box ARGS` with --root ROOT, synchronously, with optional stdin: bin/run.js executed
 * itself, as a user's shell does (its sh lines hand `exec` to the native front door).
 */
export function tsc(root: string, args: string[], input = '', env: NodeJS.ProcessEnv = {}): Result {
  return tscVia(BIN, [], root, args, input, env)
}

/** The same command through Node (`node -- bin/run.js`): the JavaScript path of every command. */
export function tscNode(root: string, args: string[], input = ''): Result {
  return tscVia(process.execPath, ['--', BIN], root, args, input, {})
}

function tscVia(file: string, pre: string[], root: string, args: string[], input: string, env: NodeJS.ProcessEnv): Result {
  const r = spawnSync(file, [...pre, ...args], {
    env: { ...process.env, TSC_BOX_ROOT: root, ...env },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (r.error) throw r.error
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

/** Starts `tsc-box ARGS` in the background, for tests that signal it or stream to it. */
export function tscSpawn(root: string, args: string[], opts: SpawnOptions = {}) {
  return spawn(BIN, args, {
    env: { ...process.env, TSC_BOX_ROOT: root },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...opts,
  })
}

export function collect(child: ReturnType<typeof tscSpawn>): Promise<Result> {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((res, rej) => {
    child.on('error', rej)
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }))
  })
}

/** Resolves once `pred(stdout so far)` holds, e.g. when the app printed that it is ready. */
export function waitForOutput(child: ReturnType<typeof tscSpawn>, pred: (s: string) => boolean, ms = 20_000): Promise<void> {
  let seen = ''
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`timed out waiting for output; saw: ${JSON.stringify(seen)}`)), ms)
    child.stdout?.on('data', (d: Buffer | string) => {
      seen += d.toString()
      if (pred(seen)) {
        clearTimeout(timer)
        res()
      }
    })
  })
}

/**
 * A serial test per failing command line: the native front door fails it, Node answers the
 * same bytes, and `unchanged` then checks that the failure left things as they were.
 */
export function sameFailureFromBothDoors(root: string, lines: string[][], unchanged: (t: ExecutionContext) => void): void {
  for (const args of lines) {
    test.serial(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
      const native = tsc(root, args)
      t.not(native.code, 0)
      sameAnswer(t, native, tscNode(root, args))
      unchanged(t)
    })
  }
}

/** The native front door's answer and Node's are the same bytes, with the same status. */
export function sameAnswer(t: import('ava').ExecutionContext, native: Result, node: Result): void {
  t.is(native.stdout, node.stdout)
  t.is(native.stderr, node.stderr)
  t.is(native.code, node.code)
}
