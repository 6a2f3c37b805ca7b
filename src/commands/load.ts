/** `tsc-box load [-i FILE]`: images from an OCI image-layout or docker-archive tarball. */
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import type {LoadResult} from '../image/archive'
import {loadCommand, loadReport} from '../image/load-command'

export default class Load extends BaseCommand {
  static override summary = 'Load images from a tar archive (OCI layout or docker-archive; plain, gzip or zstd)'
  static override aliases = ['image:load']
  static override flags = asOclifFlags(tableFlags('load'))

  async run(): Promise<LoadResult[]> {
    const {flags} = await this.parse(Load)
    const progress = !this.jsonEnabled() && !flags.quiet
    const results = await loadCommand(this.paths(flags.root as string | undefined).dataRoot, flags.input as string | undefined, progress)
    if (!this.jsonEnabled() && !flags.quiet) {
      const {lines, warnings} = loadReport(results)
      for (const l of lines) this.log(l)
      for (const w of warnings) this.warn(w)
    }
    return results
  }
}
