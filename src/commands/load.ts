/** `tsc-box load [-i FILE]`: images from an OCI image-layout or docker-archive tarball. */
import * as fs from 'node:fs'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {loadArchive, stdinToFile, type LoadResult} from '../image/archive'
import {escapeName} from '../image/escape'
import {call} from '../image/native'
import {imagesRoot} from '../image/store'

export default class Load extends BaseCommand {
  static override summary = 'Load images from a tar archive (OCI layout or docker-archive; plain, gzip or zstd)'
  static override aliases = ['image:load']
  static override flags = asOclifFlags(tableFlags('load'))

  async run(): Promise<LoadResult[]> {
    const {flags} = await this.parse(Load)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const input = flags.input as string | undefined
    // The copy of stdin lives in images/tmp/, which gc empties whenever no writer holds the
    // store: it is guarded from its first byte, and the load takes the guard over.
    const guard = input === undefined ? call((n) => n.imageWriterGuard(imagesRoot(dataRoot))) : undefined
    let results: LoadResult[]
    try {
      const file = input ?? (await stdinToFile(dataRoot))
      try {
        results = await loadArchive(dataRoot, file, guard)
      } finally {
        if (input === undefined) fs.rmSync(file, {force: true})
      }
    } finally {
      if (guard !== undefined) call((n) => n.imageWriterRelease(guard))
    }
    if (!this.jsonEnabled() && !flags.quiet) {
      for (const r of results) {
        if (r.references.length === 0) this.log(`Loaded image ID: ${r.id}`)
        for (const ref of r.references) this.log(`Loaded image: ${ref}`)
        for (const n of r.ignoredNames) this.warn(`ignored the archive's name "${escapeName(n)}": not a valid reference`)
      }
    }
    return results
  }
}
