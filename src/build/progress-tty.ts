/**
 * `build --progress tty`: the display docker buildx draws on a terminal. A header with the
 * elapsed time and the steps done, one line per step with its timer (CACHED, ERROR or CANCELED
 * in front when so), and under a running step the last lines of its output, which collapse
 * when it finishes. The frame is redrawn in place ten times a second while a step runs; the
 * last frame lists every step, then the image written and its names, then the warnings; a
 * failed build's frame is followed by the failed step's output, which it had folded away.
 */
import type {BuildEvent, BuildResult} from './builder'
import type {BuildProgress} from './progress'

/** Output lines shown under a running step (buildx shows six). */
const TAIL = 6
/** Output lines kept per step for the report of a failure. */
const KEPT = 1000
const REDRAW_MS = 100

interface Step {
  id: number
  label: string
  start: number
  end?: number
  cached: boolean
  state?: 'ERROR' | 'CANCELED'
  lines: string[]
  dropped: number
}

interface Terminal {
  write(s: string): boolean
  columns?: number
  rows?: number
}

/** A CSI escape sequence (colours, cursor moves) in a step's output. */
const CSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[ -/]*[@-~]`, 'g')

/** A line of a step's output as text for one terminal row: no escapes, no carriage returns. */
export function cleanLine(line: string): string {
  // A progress bar redraws its line with \r: the last state is what a terminal would show.
  const trimmed = line.replace(/\r+$/, '')
  const last = trimmed.slice(trimmed.lastIndexOf('\r') + 1).replace(CSI, '')
  let text = ''
  for (const c of last) {
    const n = c.charCodeAt(0)
    if (n === 9) text += ' '
    else if (n >= 32 && n !== 127) text += c
  }
  return text
}

export function ttyProgress(out: Terminal, now: () => number = Date.now): BuildProgress {
  const started = now()
  const steps = new Map<number, Step>()
  const warnings: string[] = []
  let drawn = 0
  let timer: NodeJS.Timeout | undefined
  const color = process.env.NO_COLOR === undefined || process.env.NO_COLOR === ''
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s)

  const seconds = (ms: number) => `${(ms < 50 ? 0 : ms / 1000).toFixed(1)}s`
  const clip = (s: string, width: number) => (s.length > width ? s.slice(0, width) : s)
  /** ` => NAME ... TIME`, the time at the right edge. */
  const row = (name: string, time: string, width: number) => {
    const left = clip(` => ${name}`, Math.max(12, width - time.length - 2))
    return `${left.padEnd(width - time.length - 1)} ${time}`
  }

  const frame = (final: boolean, summary: string[]): string[] => {
    const width = Math.max(40, (out.columns || 80) - 1)
    const list = [...steps.values()]
    const done = list.filter((s) => s.end !== undefined).length
    const finished = final && summary.length > 0 ? ' FINISHED' : ''
    const header = clip(`[+] Building ${seconds(now() - started)} (${done}/${list.length})${finished}`, width)
    const blocks: {done: boolean; lines: string[]}[] = list.map((s) => {
      const prefix = s.state ? `${s.state} ` : s.cached ? 'CACHED ' : ''
      const line = row(`${prefix}${s.label}`, seconds((s.end ?? now()) - s.start), width)
      const styled = s.state === 'ERROR' ? paint('31', line) : s.end !== undefined ? paint('34', line) : line
      const tail = s.end === undefined ? s.lines.slice(-TAIL).map((l) => paint('2', clip(` => => # ${l}`, width))) : []
      return {done: s.end !== undefined, lines: [styled, ...tail]}
    })
    if (!final) {
      // A live frame fits the screen: the oldest finished steps scroll away first.
      const room = Math.max(2, (out.rows || 24) - 2)
      let total = blocks.reduce((n, b) => n + b.lines.length, 0)
      while (total > room && blocks.length > 0 && blocks[0]!.done) total -= blocks.shift()!.lines.length
      const lines = blocks.flatMap((b) => b.lines)
      return [header, ...lines.slice(Math.max(0, lines.length - room))]
    }
    return [header, ...blocks.flatMap((b) => b.lines), ...summary.map((l) => paint('34', clip(` => ${l}`, width)))]
  }

  const draw = (final = false, summary: string[] = []) => {
    const lines = frame(final, summary)
    // Up to the first line of the last frame, each line rewritten, whatever was below erased;
    // the cursor hidden meanwhile so that it does not flicker along.
    const up = drawn > 0 ? `\x1b[${drawn}F` : ''
    out.write(`\x1b[?25l${up}${lines.map((l) => `\x1b[2K${l}\n`).join('')}\x1b[J\x1b[?25h`)
    drawn = lines.length
  }

  const stop = () => {
    if (timer) clearInterval(timer)
    timer = undefined
  }

  /** The step an output line belongs to: its own, or (a pull's, numbered 0) the latest running one. */
  const stepOf = (id: number): Step | undefined => steps.get(id) ?? [...steps.values()].reverse().find((s) => s.end === undefined)

  return {
    event(e: BuildEvent) {
      switch (e.event) {
        case 'step':
          steps.set(e.step, {id: e.step, label: `[${e.stage}] ${e.instruction.replace(/\s*\n\s*/g, ' ')}`, start: now(), cached: false, lines: [], dropped: 0})
          if (!timer) {
            timer = setInterval(() => draw(), REDRAW_MS)
            timer.unref()
          }
          break
        case 'cached': {
          const s = steps.get(e.step)
          if (s) s.cached = true
          break
        }
        case 'output': {
          const s = stepOf(e.step)
          if (!s) break
          s.lines.push(cleanLine(e.line))
          if (s.lines.length > KEPT) {
            s.lines.shift()
            s.dropped++
          }
          break
        }
        case 'done': {
          const s = steps.get(e.step)
          if (s) s.end = s.start + e.seconds * 1000
          break
        }
        case 'warning':
          warnings.push(e.message)
          break
      }
    },
    finish(result: BuildResult) {
      stop()
      draw(true, ['exporting to image', `=> writing image ${result.id}`, ...result.tags.map((t) => `=> naming to ${t}`)])
      for (const w of warnings) out.write(`WARNING: ${w}\n`)
    },
    fail(error: unknown) {
      stop()
      // The builder stops the other steps once one fails; an interruption (Ctrl-C) cancels all.
      const interrupted = error instanceof Error && error.message === 'the build was interrupted'
      const unfinished = [...steps.values()].filter((s) => s.end === undefined)
      for (const s of unfinished) {
        s.state = interrupted ? 'CANCELED' : 'ERROR'
        s.end = now()
      }
      draw(true)
      for (const w of warnings) out.write(`WARNING: ${w}\n`)
      // What the failed steps printed, which the display had folded away.
      for (const s of unfinished) {
        if (interrupted || s.lines.length === 0) continue
        const omitted = s.dropped > 0 ? [`[${s.dropped} earlier lines not kept]`] : []
        out.write(`------\n > ${s.label}:\n${[...omitted, ...s.lines].map((l) => `${l}\n`).join('')}------\n`)
      }
    },
  }
}
