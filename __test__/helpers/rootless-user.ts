// A throwaway unprivileged user for the rootless tests: made with useradd, given the test's
// own /etc/subuid and /etc/subgid ranges, running `tsc-box` through setpriv with a minimal
// environment (as a login would give it), and removed with everything it still runs.
// ava runs the rootless test files at the same time, and each rewrites /etc/subuid and
// /etc/subgid (as useradd does): every change to the user database holds one lock.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, type Result } from './cli'

const RANGE_FILES = ['/etc/subuid', '/etc/subgid']

const LOCK = '/run/tsc-box-test-userdb.lock'
let held = 0

/**
 * Runs `fn` holding the test user-database lock (a directory: mkdir is atomic). Reentrant in
 * this process; a lock older than two minutes belongs to a killed test and is broken.
 */
export function withUserDbLock<T>(fn: () => T): T {
  if (held === 0) {
    for (;;) {
      try {
        mkdirSync(LOCK)
        break
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
        try {
          if (Date.now() - statSync(LOCK).mtimeMs > 120_000) rmdirSync(LOCK)
        } catch {
          // released meanwhile
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
      }
    }
  }
  held++
  try {
    return fn()
  } finally {
    if (--held === 0) rmdirSync(LOCK)
  }
}

/** Rewrites `file` without the lines `drop` picks (and without blank lines). */
export function removeLines(file: string, drop: (line: string) => boolean): void {
  withUserDbLock(() => {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !drop(l))
    writeFileSync(file, lines.map((l) => `${l}\n`).join(''))
  })
}

/** Adds `line` to `file` unless it is there already. */
export function addLine(file: string, line: string): void {
  withUserDbLock(() => {
    if (!readFileSync(file, 'utf8').split('\n').includes(line)) writeFileSync(file, `${line}\n`, { flag: 'a' })
  })
}

export interface UserCommand {
  cmd: string
  argv: string[]
  env: NodeJS.ProcessEnv
}

export interface RunOptions {
  /** Variables added to the user's minimal environment. */
  env?: Record<string, string>
  /** A command that root runs first and that execs the rest (its "$@"), e.g. to enter a cgroup. */
  wrapper?: string[]
}

export class RootlessUser {
  private constructor(
    readonly name: string,
    readonly home: string,
    readonly uid: number,
    readonly gid: number,
    readonly subStart: number,
    readonly subCount: number,
  ) {}

  /**
   * Makes user `name` with ids subStart..subStart+subCount-1 as its subordinate uids and gids.
   * Anything made before a failure is removed again.
   */
  static create(name: string, subStart: number, subCount: number): RootlessUser {
    return withUserDbLock(() => RootlessUser.createLocked(name, subStart, subCount))
  }

  private static createLocked(name: string, subStart: number, subCount: number): RootlessUser {
    // The home under the temp dir: in the v2 guest /home is the host's over 9p, where files
    // cannot be given to another owner, while /tmp is the guest's own tmpfs.
    const home = join(tmpdir(), `${name}-home`)
    execFileSync('useradd', ['-m', '-d', home, '-s', '/bin/sh', name])
    let uid = 0
    try {
      uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim())
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim())
      const user = new RootlessUser(name, home, uid, gid, subStart, subCount)
      // useradd may have given the user ranges of its own: the test's ones replace them.
      removeRanges(name)
      for (const f of RANGE_FILES) addLine(f, `${name}:${subStart}:${subCount}`)
      return user
    } catch (e) {
      removeUser(name, home, uid)
      removeRanges(name)
      throw e
    }
  }

  /** Gives `paths` and everything below them (links themselves, not their targets) to the user. */
  own(...paths: string[]): void {
    execFileSync('chown', ['-R', '-h', `${this.uid}:${this.gid}`, ...paths])
  }

  /** `tsc-box ARGS` as the user, for spawn: the environment is the user's own, not root's. */
  command(args: string[], extraEnv: Record<string, string> = {}): UserCommand {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.home,
      USER: this.name,
      LOGNAME: this.name,
      ...(process.env.TSC_BOX_RUNTIME ? { TSC_BOX_RUNTIME: process.env.TSC_BOX_RUNTIME } : {}),
      ...extraEnv,
    }
    const argv = [`--reuid=${this.uid}`, `--regid=${this.gid}`, '--init-groups', '--', BIN, ...args]
    return { cmd: 'setpriv', argv, env }
  }

  /** `tsc-box ARGS` as the user, synchronously, from / (a directory every user can enter). */
  run(args: string[], opts: RunOptions = {}): Result {
    const c = this.command(args, opts.env)
    const [cmd, ...argv] = [...(opts.wrapper ?? []), c.cmd, ...c.argv]
    const r = spawnSync(cmd, argv, { env: c.env, encoding: 'utf8', timeout: 60_000, cwd: '/' })
    if (r.error) throw r.error
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
  }

  /** `tsc-box ARGS` as the user: its stdout, or an error naming the command, its status and stderr. */
  ok(args: string[]): string {
    const r = this.run(args)
    if (r.code !== 0) throw new Error(`tsc-box ${args.join(' ')}: exit ${r.code}: ${r.stderr}`)
    return r.stdout
  }

  /** The user, its home, its ranges and its default state dir, after whatever it still runs. */
  remove(): void {
    withUserDbLock(() => {
      removeUser(this.name, this.home, this.uid)
      removeRanges(this.name)
    })
    rmSync(`/tmp/tsc-box-${this.uid}`, { recursive: true, force: true })
  }
}

function removeRanges(name: string): void {
  for (const f of RANGE_FILES) removeLines(f, (l) => l.startsWith(`${name}:`))
}

function removeUser(name: string, home: string, uid: number): void {
  // Whatever the user still runs (a failed test's container) goes before the user.
  if (uid !== 0) spawnSync('pkill', ['-KILL', '-U', String(uid)])
  spawnSync('userdel', ['-r', '-f', name])
  rmSync(home, { recursive: true, force: true })
}
