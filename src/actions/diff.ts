/**
 * `tsc-box diff CONTAINER`: what changed in a container's filesystem, as docker lists it:
 * `A` added, `C` changed, `D` deleted, one path a line, in path order. Read from its overlay's
 * upper directory (walked as hostile: crates/image layer::changes), compared with its image.
 */
import {defineAction} from '../cli/action'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {callAsync} from '../image/native'
import {context} from '../lifecycle/context'
import {imageOfContainer} from '../container/image-of'
import {resolveContainer} from '../lifecycle/resolve'

export interface DiffEntry {
  kind: 'A' | 'C' | 'D'
  path: string
}

/** The container's mount points the runtime made, which docker's diff does not show either. */
const MOUNT_POINTS = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'])

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  async run(cmd): Promise<DiffEntry[]> {
    const {args, flags} = cmd
    const {paths} = context(flags.root as string | undefined)
    const v = resolveContainer(paths.dataRoot, args.container, paths.runDir)
    const dir = path.dirname(v.rootfs)
    const image = imageOfContainer(paths.dataRoot, v, 'it has no layers to compare with')
    const layers = image ? image.layers.map((l) => l.path) : []
    const inImage = (p: string) => layers.some((l) => fs.lstatSync(path.join(l, p), {throwIfNoEntry: false}) !== undefined)
    const changes = await callAsync((n) => n.upperChanges(path.join(dir, 'upper')))
    const out: DiffEntry[] = []
    for (const c of changes) {
      if (c.deleted) {
        out.push({kind: 'D', path: c.path})
        continue
      }
      if (MOUNT_POINTS.has(c.path) && !inImage(c.path)) continue
      out.push({kind: inImage(c.path) ? 'C' : 'A', path: c.path})
    }
    if (!cmd.json) for (const e of out) cmd.log(`${e.kind} ${e.path}`)
    return out
  },
})
