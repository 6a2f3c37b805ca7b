// Timing of whole commands, the way a user sees them: wall-clock from spawn to exit.
import { spawnSync } from 'node:child_process'

export interface Command {
  label: string
  argv: string[]
  env?: NodeJS.ProcessEnv
  /** 'ignore' for commands whose children keep stderr open after they exit (a runtime's `create`). */
  stderr?: 'pipe' | 'ignore'
}

export interface Sample {
  label: string
  medianMs: number
  runs: number
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

function once(cmd: Command): number {
  // argv may be a getter that prepares a fresh store (and removes the last one): not timed.
  const argv = cmd.argv
  const start = process.hrtime.bigint()
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', cmd.stderr ?? 'pipe'], env: cmd.env ?? process.env })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${cmd.label} failed (${r.status ?? r.signal}): ${r.stderr?.toString().trim()}`)
  return ms
}

/** Runs the commands interleaved (so drift in the machine's load hits all alike), after a warm-up. */
export function compare(commands: Command[], runs: number): Sample[] {
  for (const c of commands) once(c)
  const times = commands.map(() => [] as number[])
  for (let i = 0; i < runs; i++) {
    for (const [j, c] of commands.entries()) times[j]!.push(once(c))
  }
  return commands.map((c, j) => ({ label: c.label, medianMs: median(times[j]!), runs }))
}

/** Whether a peer can run here at all (e.g. crun refuses hybrid cgroup hosts). */
export function works(cmd: Command): string | undefined {
  try {
    once(cmd)
    return undefined
  } catch (e) {
    return (e as Error).message.split('\n')[0]
  }
}

export function report(title: string, samples: Sample[], ratios: Array<[string, string, number?]>) {
  console.log(`\n## ${title}`)
  for (const s of samples) console.log(`  ${s.label.padEnd(48)} median ${s.medianMs.toFixed(1).padStart(8)} ms  (${s.runs} runs)`)
  const by = new Map(samples.map((s) => [s.label, s.medianMs]))
  for (const [a, b, target] of ratios) {
    const ra = by.get(a)
    const rb = by.get(b)
    if (ra === undefined || rb === undefined) continue
    const ratio = ra / rb
    const verdict = target === undefined ? '' : ratio <= target ? `  (target <= ${target}x: met)` : `  (target <= ${target}x: NOT met)`
    console.log(`  ratio ${a} / ${b}: ${ratio.toFixed(2)}x${verdict}`)
  }
}
