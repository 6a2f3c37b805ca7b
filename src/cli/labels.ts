/**
 * `--label KEY=VALUE` and `--label-file FILE`, as docker reads them for run, create, network
 * create and volume create: the files first, then the flags, a later value winning.
 */
import * as fs from 'node:fs'
import {CliError} from '../errors'

/** The label flags of run, create, network create and volume create. */
export interface LabelFlags {
  label?: string[]
  'label-file'?: string[]
}

/** One `KEY=VALUE` (or `KEY`, an empty value) of --label or a label file. */
function addLabel(out: Record<string, string>, entry: string, where: string): void {
  const eq = entry.indexOf('=')
  const key = eq === -1 ? entry : entry.slice(0, eq)
  if (key.trim() === '') throw new CliError('invalid_flag', `invalid label ${JSON.stringify(entry)}${where}: no name before '='`)
  out[key] = eq === -1 ? '' : entry.slice(eq + 1)
}

/** `--label-file` then `--label` (later ones win), as docker reads them: `#` comments and blank lines skipped. */
export function parseLabels(flags: LabelFlags): Record<string, string> {
  const out: Record<string, string> = {}
  for (const file of flags['label-file'] ?? []) {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (e) {
      throw new CliError('invalid_flag', `--label-file ${file}: ${(e as Error).message}`)
    }
    text.split('\n').forEach((raw, n) => {
      const line = raw.replace(/\r$/, '').trimStart()
      if (line === '' || line.startsWith('#')) return
      addLabel(out, line, ` in ${file} line ${n + 1}`)
    })
  }
  for (const l of flags.label ?? []) addLabel(out, l, '')
  return out
}
