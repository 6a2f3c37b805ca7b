// Runs the real `tsc-box` command (bin/run.js) the way a user does, each test file with its
// own data root so files run in parallel without seeing each other's containers.
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

/** `tsc-box ARGS` with --root ROOT, synchronously, with optional stdin. */
export function tsc(root: string, args: string[], input = ''): Result {
  const r = spawnSync(process.execPath, ['--', BIN, ...args], {
    env: { ...process.env, TSC_BOX_ROOT: root },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (r.error) throw r.error
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

/** Starts `tsc-box ARGS` in the background, for tests that signal it or stream to it. */
export function tscSpawn(root: string, args: string[], opts: SpawnOptions = {}) {
  return spawn(process.execPath, ['--', BIN, ...args], {
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
