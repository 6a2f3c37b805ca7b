/** `tsc-box builder prune`: drops the build cache and the intermediate images only it kept. */
import {defineAction} from '../../cli/action'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {BuildCache} from '../../build/cache'
import {callAsync, call} from '../../image/native'
import {imagesInUse, imagesRoot} from '../../image/store'

export default defineAction({
  async run(cmd): Promise<{entries: number; images: string[]; reclaimed: number}> {
    const dataRoot = cmd.paths().dataRoot
    const root = imagesRoot(dataRoot)
    const cache = new BuildCache(dataRoot)
    const entries = cache.entries()
    const images = new Set<string>()
    for (const e of entries) {
      if (e.image) images.add(e.image)
      fs.rmSync(e.file, {force: true})
    }
    // RUN --mount=type=cache directories go too, as docker's prune empties cache mounts.
    fs.rmSync(path.join(dataRoot, 'builder', 'mounts'), {recursive: true, force: true})
    const inUse = imagesInUse(dataRoot)
    const removed: string[] = []
    for (const digest of images) {
      const img = call((n) => n.imageFind(root, digest))
      // An image a tag names or a container runs on is the user's, not the cache's.
      if (!img || img.refs.length > 0 || inUse.has(img.digest)) continue
      call((n) => n.imageRemove(root, img.digest))
      removed.push(img.id)
    }
    const report = await callAsync((n) => n.imageGc(root))
    const reclaimed = report.bytesFreed
    if (!cmd.json) cmd.log(`Deleted build cache objects: ${entries.length}\nTotal reclaimed space: ${reclaimed}B`)
    return {entries: entries.length, images: removed, reclaimed}
  },
})
