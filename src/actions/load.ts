/** `tsc-box load [-i FILE]`: images from an OCI image-layout or docker-archive tarball. */
import {defineAction} from '../cli/action'
import type {LoadResult} from '../image/archive'
import {loadCommand, loadReport} from '../image/load-command'

export default defineAction({
  async run(cmd): Promise<LoadResult[]> {
    const {flags} = cmd
    const progress = !cmd.json && !flags.quiet
    const results = await loadCommand(cmd.paths().dataRoot, flags.input as string | undefined, progress)
    if (!cmd.json && !flags.quiet) {
      const {lines, warnings} = loadReport(results)
      for (const l of lines) cmd.log(l)
      for (const w of warnings) cmd.warn(w)
    }
    return results
  },
})
