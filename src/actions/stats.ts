/**
 * `tsc-box stats [--no-stream] [-a] [ID...]`: live CPU %, memory use/limit and pids of
 * running containers. --json (implies one reading): [{id, name, cpuPercent, memoryUsage,
 * memoryLimit, memoryPercent, pids}] (bytes).
 */
import {defineAction} from '../cli/action'
import {formatItems, humanSize, table} from '../image/format'
import {resolveContainer} from '../lifecycle/resolve'
import {runtimeRoot} from '../lifecycle/runtime'
import {listContainers, type ContainerView} from '../lifecycle/state'
import {sample, type StatsEntry} from '../lifecycle/stats'

export default defineAction({
  strict: false,
  async run(cmd): Promise<StatsEntry[]> {
    const {flags, argv} = cmd
    const paths = cmd.paths()
    const refs = argv as string[]
    // With the runtime's state, as ps: a killed foreground run's ended container is not running.
    const pick = (): ContainerView[] =>
      refs.length > 0
        ? refs.map((r) => resolveContainer(paths.dataRoot, r, paths.runDir))
        : listContainers(paths.dataRoot, runtimeRoot(paths)).filter((v) => v.state === 'running' || v.state === 'paused')
    const once = cmd.json || (flags['no-stream'] as boolean)
    for (;;) {
      const entries = await sample(pick(), once ? 250 : 1000)
      if (cmd.json) return entries
      const items = entries.map((e) => ({
        Container: e.id.slice(0, 12),
        ID: e.id.slice(0, 12),
        Name: e.name,
        CPUPerc: `${e.cpuPercent.toFixed(2)}%`,
        MemUsage: `${humanSize(e.memoryUsage)} / ${humanSize(e.memoryLimit)}`,
        MemPerc: `${e.memoryPercent.toFixed(2)}%`,
        PIDs: String(e.pids),
      }))
      const titles = {Container: 'CONTAINER', ID: 'CONTAINER ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', PIDs: 'PIDS'}
      const text =
        formatItems(flags.format as string | undefined, items, titles) ??
        table(
          ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS'],
          items.map((i) => [i.ID, i.Name, i.CPUPerc, i.MemUsage, i.MemPerc, i.PIDs]),
        )
      if (once) {
        cmd.log(text)
        return entries
      }
      process.stdout.write(`\x1b[2J\x1b[H${text}\n`)
    }
  },
})
