// `build --progress auto|plain|tty`: on a terminal (a pseudo-terminal made by util-linux
// `script`, as a user's shell has) the display is docker buildx's: redrawn step lines with
// timers, the last lines of a running step's output under it, collapsed once it is done, and a
// final frame with every step and the image written; a failed step's output is shown after
// the frame. Without a terminal `auto` is the plain output, unchanged, and `tty` is refused as
// buildx refuses it. --json's events are not touched by --progress.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, type Result, tsc } from './helpers/cli'
import { serialIf } from './helpers/conditional'

const isRoot = process.getuid?.() === 0
const hasScript = spawnSync('script', ['--version']).status === 0
const serial = serialIf(isRoot && hasScript, isRoot ? 'needs util-linux script for a pseudo-terminal' : 'needs root: RUN containers and COPY overlays')
const root = makeDataRoot()
const BASE = 'localhost/progress-base:1'
const ESC = String.fromCharCode(27)

test.before(() => {
  if (!isRoot) return
  const r = tsc(root, ['image', 'from-host', BASE, '/bin/sh', '/bin/echo', '/bin/sleep'])
  if (r.code !== 0) throw new Error(r.stderr)
})

function context(dockerfile: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-progress-'))
  writeFileSync(join(dir, 'Dockerfile'), dockerfile)
  writeFileSync(join(dir, 'a.txt'), 'a\n')
  return dir
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** `tsc-box build ARGS` on a 120x40 pseudo-terminal: what the terminal received (stdout and stderr). */
function buildOnTerminal(args: string[]): { code: number | null; raw: string } {
  const cmd = `stty cols 120 rows 40; ${[BIN, 'build', ...args].map(quote).join(' ')}`
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, TSC_BOX_ROOT: root }, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, raw: r.stdout.replace(/\r/g, '') }
}

/** The text of the terminal's lines without escapes. */
function text(raw: string): string {
  return raw.replace(new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, 'g'), '')
}

/** The last frame the display drew: from the last header on. */
function lastFrame(raw: string): string[] {
  const all = text(raw)
  return all.slice(all.lastIndexOf('[+] Building')).split('\n')
}

function build(args: string[]): Result {
  return tsc(root, ['build', ...args])
}

serial('a terminal gets the display: running steps with their last output lines, then one frame of every step and the image', (t) => {
  const dir = context(`FROM ${BASE}\nRUN for i in 1 2 3 4 5 6 7 8 9; do echo "line $i"; sleep 0.2; done\nCOPY a.txt /a.txt\nENV X=1\n`)
  const r = buildOnTerminal(['--no-cache', '-t', 'localhost/progress:1', dir])
  t.is(r.code, 0, text(r.raw))
  const all = text(r.raw)
  // While the RUN ran, the frames showed its last lines (at most six) under it, and redrew in place.
  t.regex(all, /^ => => # line 3$/m)
  t.true(all.split('[+] Building').length > 5, 'the display was redrawn while the step ran')
  t.regex(r.raw, new RegExp(`${ESC}\\[\\d+F`), 'frames are drawn over the previous one')
  const frames = all.split('[+] Building').slice(1)
  t.false(
    frames.some((f) => f.split('\n').filter((l) => l.startsWith(' => => # ')).length > 6),
    'at most six output lines under a step',
  )
  // No plain lines.
  t.notRegex(all, /^#\d+ /m)
  const frame = lastFrame(r.raw)
  t.regex(frame[0]!, /^\[\+\] Building \d+\.\ds \(4\/4\) FINISHED$/)
  t.regex(frame[1]!, /^ => \[0 1\/4\] FROM localhost\/progress-base:1 +\d+\.\ds$/)
  t.regex(frame[2]!, /^ => \[0 2\/4\] RUN for i in .* +(\d+\.\d)s$/)
  t.true(Number(/(\d+\.\d)s$/.exec(frame[2]!)![1]) >= 1.5, `the RUN's timer: ${frame[2]}`)
  t.regex(frame[3]!, /^ => \[0 3\/4\] COPY a\.txt \/a\.txt +\d+\.\ds$/)
  t.regex(frame[4]!, /^ => \[0 4\/4\] ENV X=1 +\d+\.\ds$/)
  t.is(frame[5], ' => exporting to image')
  t.regex(frame[6]!, /^ => => writing image sha256:[0-9a-f]{64}$/)
  t.is(frame[7], ' => => naming to localhost/progress:1')
  // The finished step's output is folded away; the lines fit the terminal's 120 columns.
  t.false(frame.some((l) => l.startsWith(' => => # ')))
  t.false(frame.some((l) => l.length >= 120))

  // A rebuild: every step CACHED.
  const again = buildOnTerminal(['-t', 'localhost/progress:1', dir])
  t.is(again.code, 0, text(again.raw))
  const cached = lastFrame(again.raw)
  t.regex(cached[2]!, /^ => CACHED \[0 2\/4\] RUN for i in .* 0\.0s$/)
  t.regex(cached[3]!, /^ => CACHED \[0 3\/4\] COPY a\.txt/)
})

serial("a failed step is marked ERROR and its output, folded away while it ran, follows the frame with docker's error", (t) => {
  const dir = context(`FROM ${BASE}\nRUN echo first-line; echo why-it-failed; exit 3\n`)
  const r = buildOnTerminal(['--progress', 'tty', dir])
  t.is(r.code, 1, text(r.raw))
  const frame = lastFrame(r.raw)
  t.regex(frame[0]!, /^\[\+\] Building \d+\.\ds \(2\/2\)$/)
  t.regex(frame[2]!, /^ => ERROR \[0 2\/2\] RUN echo first-line/)
  const after = frame.slice(3).join('\n')
  t.regex(after, /^------\n > \[0 2\/2\] RUN echo first-line; echo why-it-failed; exit 3:\nfirst-line\nwhy-it-failed\n------\n/)
  t.regex(after, /The command '\/bin\/sh -c echo first-line; echo why-it-failed; exit 3' returned a non-zero code: 3/)
})

serial('plain output is unchanged: --progress plain on a terminal and auto without one print the same lines', (t) => {
  const dir = context(`FROM ${BASE}\nRUN echo hello-plain\nCOPY a.txt /a.txt\n`)
  const onTerminal = buildOnTerminal(['--no-cache', '--progress', 'plain', '-t', 'localhost/plain:1', dir])
  t.is(onTerminal.code, 0, onTerminal.raw)
  t.false(onTerminal.raw.includes(ESC), 'no escapes in plain output')
  const piped = build(['--no-cache', '-t', 'localhost/plain:1', dir])
  t.is(piped.code, 0, piped.stderr)
  const norm = (s: string) =>
    s
      .replace(/DONE \d+\.\ds/g, 'DONE Xs')
      .replace(/sha256:[0-9a-f]{64}/g, 'ID')
      .split('\n')
      .filter((l) => l !== '')
  const lines = norm(piped.stderr)
  t.deepEqual(lines, [
    `#1 [0 1/3] FROM ${BASE}`,
    '#1 DONE Xs',
    '#2 [0 2/3] RUN echo hello-plain',
    '#2 hello-plain',
    '#2 DONE Xs',
    '#3 [0 3/3] COPY a.txt /a.txt',
    '#3 DONE Xs',
    'writing image ID done',
    'naming to localhost/plain:1 done',
  ])
  t.deepEqual(norm(onTerminal.raw), lines)
})

serial('--progress tty without a terminal is refused before any step, as buildx refuses it; --json is not affected', (t) => {
  const dir = context(`FROM ${BASE}\nRUN echo never-run\n`)
  const r = build(['--progress', 'tty', '-t', 'localhost/refused:1', dir])
  t.is(r.code, 1)
  t.regex(r.stderr, /--progress tty: .*not a terminal/)
  t.notRegex(r.stderr, /never-run/)
  t.is(tsc(root, ['image', 'inspect', 'localhost/refused:1']).code, 1)
  const j = build(['--json', '--progress', 'tty', dir])
  t.is(j.code, 0, j.stderr)
  const events = j.stdout
    .split('\n')
    .filter((l) => l.startsWith('{"event"'))
    .map((l) => JSON.parse(l))
  t.true(events.some((e) => e.event === 'output' && e.line === 'never-run'))
})
