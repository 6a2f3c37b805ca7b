/**
 * `tsc-box export CONTAINER [-o FILE]`: a tar of a container's filesystem (its image's layers
 * with its changes over them), on the standard output unless -o. The view is a read-only
 * overlay of the container's upper directory over its image's layers, mounted for the export
 * and walked as hostile input (crates/image layer::tar_to).
 */
import {defineAction} from '../cli/action'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import {callAsync} from '../image/native'
import {claimImage, planImageRootfs, releaseOverlayDir} from '../image/rootfs'
import {context} from '../lifecycle/context'
import {requireImageOfContainer} from '../container/image-of'
import {resolveContainer} from '../lifecycle/resolve'

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  async run(cmd): Promise<{output: string; entries: number} | undefined> {
    const {args, flags} = cmd
    const {paths} = context(flags.root as string | undefined)
    if ((process.getuid?.() ?? 0) !== 0) throw new CliError('invalid_usage', 'export needs root for now (it mounts an overlay of the container)')
    const out = (flags.output as string | undefined) ?? '/dev/stdout'
    if (out === '/dev/stdout' && cmd.json) throw new CliError('invalid_usage', '--json needs -o FILE: the standard output is the tar')
    if (out === '/dev/stdout' && process.stdout.isTTY)
      throw new CliError('invalid_usage', 'cowardly refusing to save to a terminal. Use the -o flag or redirect')
    const v = resolveContainer(paths.dataRoot, args.container, paths.runDir)
    const dir = path.dirname(v.rootfs)
    const image = requireImageOfContainer(paths.dataRoot, v, 'export its root directory with tar')
    // The container's upper as the topmost lower: its whiteouts and opaque directories apply,
    // and nothing of it can be written.
    const planned = planImageRootfs(paths.dataRoot)
    fs.mkdirSync(planned.dir, {mode: 0o700})
    try {
      claimImage(planned.dir, image)
      const lower = [path.join(dir, 'upper'), ...image.layers.map((l) => l.path).reverse()]
      await callAsync((n) => n.rootfsMount(lower, path.join(planned.dir, 'upper'), path.join(planned.dir, 'work'), planned.merged, false))
      const entries = await callAsync((n) => n.treeTarTo(planned.merged, out))
      return out === '/dev/stdout' ? undefined : {output: out, entries}
    } finally {
      releaseOverlayDir(planned.dir, true)
    }
  },
})
