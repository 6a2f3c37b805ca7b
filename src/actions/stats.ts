/**
 * `tsc-box stats [--no-stream] [-a] [ID...]`: live CPU %, memory use/limit and pids of
 * running containers. --json (implies one reading): [{id, name, cpuPercent, memoryUsage,
 * memoryLimit, memoryPercent, pids}] (bytes).
 */
import {defineAction} from '../cli/action'
import {statsReading, type StatsEntry} from '../lifecycle/stats'

export default defineAction({
  strict: false,
  async run(cmd): Promise<StatsEntry[]> {
    const {flags, argv} = cmd
    const paths = cmd.paths()
    const format = flags.format as string | undefined
    // One reading at once (CPU % since each container started), as the native front door
    // answers; the stream takes two readings a second apart each time.
    if (cmd.json || (flags['no-stream'] as boolean)) {
      const r = await statsReading(paths, argv, format)
      cmd.log(r.text)
      return r.entries
    }
    for (;;) {
      const r = await statsReading(paths, argv, format, 1000)
      process.stdout.write(`\x1b[2J\x1b[H${r.text}\n`)
    }
  },
})
