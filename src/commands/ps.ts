/**
 * `tsc-box ps [-a] [-q] [--filter K=V] [--format T] [--no-trunc] [--json]`: the containers.
 * --json prints an array of {id, name, command, created, state, status, exitCode, pid,
 * restartCount}; state is created|running|paused|restarting|exited|dead (dead: its creation was
 * killed; only `rm` applies); exitCode is null when not known.
 */
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {CliError} from '../errors'
import {table} from '../image/format'
import {FILTER_KEYS, applyTemplate, matchesFilters, psEntry, statusText, type PsEntry} from '../lifecycle/format'
import {runtimeRoot} from '../lifecycle/runtime'
import {listContainers} from '../lifecycle/state'

export default class Ps extends BaseCommand {
  static override summary = 'List containers'
  static override description =
    'With --json: an array of {id, name, command, created, state (created|running|paused|restarting|exited|dead), status, exitCode (null when not known), pid, restartCount}.'
  static override aliases = ['container:ls', 'container:list', 'container:ps']
  static override flags = asOclifFlags(tableFlags('ps'))

  async run(): Promise<PsEntry[]> {
    const {flags} = await this.parse(Ps)
    const filters = (flags.filter ?? []) as string[]
    for (const f of filters) {
      const key = f.split('=')[0]
      if (!FILTER_KEYS.includes(key) || !f.includes('='))
        throw new CliError('invalid_filter', `invalid filter "${f}": use ${FILTER_KEYS.map((k) => `${k}=VALUE`).join(', ')}`)
    }
    const now = Date.now()
    const all = flags.all || filters.some((f) => f.startsWith('status=') || f.startsWith('exited='))
    const paths = this.paths(flags.root as string | undefined)
    const views = listContainers(paths.dataRoot, runtimeRoot(paths)).filter(
      (v) => (all || v.state === 'running' || v.state === 'paused' || v.state === 'restarting') && matchesFilters(v, filters),
    )
    const entries = views.map((v) => psEntry(v, now))
    if (this.jsonEnabled()) return entries
    const noTrunc = flags['no-trunc'] as boolean
    const id = (s: string) => (noTrunc ? s : s.slice(0, 12))
    const format = flags.format as string | undefined
    if (flags.quiet) {
      if (entries.length > 0) this.log(entries.map((e) => id(e.id)).join('\n'))
    } else if (format === 'json') {
      for (const e of entries) this.log(JSON.stringify(e))
    } else if (format && format !== 'table') {
      for (const v of views) this.log(applyTemplate(format, v, noTrunc, now))
    } else {
      const cmd = (c: string[]) => {
        const s = JSON.stringify(c.join(' '))
        return noTrunc || s.length <= 22 ? s : `${s.slice(0, 19)}…"`
      }
      this.log(
        table(
          ['CONTAINER ID', 'COMMAND', 'CREATED', 'STATUS', 'NAMES'],
          views.map((v) => [id(v.id), cmd(v.command), ago(v.created, now), statusText(v, now), v.name]),
        ),
      )
    }
    return entries
  }
}

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 60) return `${s} seconds ago`
  if (s < 3600) return `${Math.floor(s / 60)} minutes ago`
  if (s < 86400) return `${Math.floor(s / 3600)} hours ago`
  return `${Math.floor(s / 86400)} days ago`
}
