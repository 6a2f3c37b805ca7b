/**
 * `tsc-box load [-i FILE]`: the work of the command, called by its action (src/actions/load.ts):
 * the archive (stdin copied into the store's tmp/ under the writer guard first) loaded into the
 * store.
 */
import * as fs from 'node:fs'
import {loadArchive, stdinToFile, type LoadResult} from './archive'
import {escapeName} from './escape'
import {call} from './native'
import {imagesRoot} from './store'

/** `progress`: whether a person watches (neither -q nor --json); shown only on a terminal. */
export async function loadCommand(dataRoot: string, input: string | undefined, progress: boolean): Promise<LoadResult[]> {
  // The copy of stdin lives in images/tmp/, which gc empties whenever no writer holds the
  // store: it is guarded from its first byte, and the load takes the guard over.
  const guard = input === undefined ? call((n) => n.imageWriterGuard(imagesRoot(dataRoot))) : undefined
  try {
    const file = input ?? (await stdinToFile(dataRoot, progress))
    try {
      return await loadArchive(dataRoot, file, guard)
    } finally {
      if (input === undefined) fs.rmSync(file, {force: true})
    }
  } finally {
    if (guard !== undefined) call((n) => n.imageWriterRelease(guard))
  }
}

/** What load says of each image: its lines for stdout, and its warnings. */
export function loadReport(results: LoadResult[]): {lines: string[]; warnings: string[]} {
  const lines: string[] = []
  const warnings: string[] = []
  for (const r of results) {
    if (r.references.length === 0) lines.push(`Loaded image ID: ${r.id}`)
    for (const ref of r.references) lines.push(`Loaded image: ${ref}`)
    for (const n of r.ignoredNames) warnings.push(`ignored the archive's name "${escapeName(n)}": not a valid reference`)
  }
  return {lines, warnings}
}
