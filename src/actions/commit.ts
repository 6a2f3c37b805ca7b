/**
 * `tsc-box commit CONTAINER [REPOSITORY[:TAG]]`: a new image of a container's changes: its
 * overlay's upper directory as one more layer (the same layer making as `build`) over its
 * image's, and its image's config with `--change` instructions applied.
 */
import {defineAction} from '../cli/action'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {mountStubs} from '../build/builder'
import {applyChanges} from '../build/changes'
import {CliError} from '../errors'
import {callAsync, call} from '../image/native'
import {normalizeReference} from '../image/reference'
import {imagesRoot} from '../image/store'
import {context} from '../lifecycle/context'
import {setPaused} from '../lifecycle/pause'
import {requireImageOfContainer} from '../container/image-of'
import {resolveContainer} from '../lifecycle/resolve'

export default defineAction({
  args: {
    container: {required: true, description: 'container name, id or id prefix'},
    reference: {required: false, description: 'REPOSITORY[:TAG] of the new image'},
  },
  async run(cmd): Promise<{id: string; digest: string; tags: string[]}> {
    const {args, flags} = cmd
    const {paths, runtime} = context(flags.root as string | undefined)
    const v = resolveContainer(paths.dataRoot, args.container, paths.runDir)
    const dir = path.dirname(v.rootfs)
    const store = imagesRoot(paths.dataRoot)
    const image = requireImageOfContainer(paths.dataRoot, v, 'there is no layer to commit')
    const doc = JSON.parse(call((n) => n.imageInspect(store, image.digest)).config) as Record<string, unknown> & {
      config?: Record<string, unknown>
      history?: unknown[]
    }
    applyChanges(doc, (flags.change as string[] | undefined) ?? [])
    const reference = args.reference === undefined ? [] : [normalizeReference(args.reference)]
    const pause = (flags.pause as boolean | undefined) !== false && v.state === 'running'
    if (pause) setPaused(runtime, paths, v, true)
    let made: Awaited<ReturnType<typeof layerOf>>
    try {
      made = await layerOf(store, path.join(dir, 'upper'), mountStubs(image.layers.map((l) => l.path)))
    } finally {
      if (pause) setPaused(runtime, paths, {...v, state: 'paused'}, false)
    }
    const now = new Date().toISOString()
    doc.created = now
    if (flags.author !== undefined) doc.author = flags.author
    const entry: Record<string, unknown> = {created: now, created_by: v.command.join(' ')}
    if (flags.author !== undefined) entry.author = flags.author
    if (flags.message !== undefined) entry.comment = flags.message
    if (made.entries === 0) entry.empty_layer = true
    doc.history = [...(Array.isArray(doc.history) ? doc.history : []), entry]
    const layers = image.layers.map((l) => ({digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: l.diffId}))
    if (made.entries > 0) layers.push({digest: made.digest, size: made.size, mediaType: made.mediaType, diffId: made.diffId})
    const result = await callAsync((n) => n.imageAssemble(store, layers, JSON.stringify(doc), reference))
    if (!cmd.json) cmd.log(result.id)
    return {id: result.id, digest: result.digest, tags: reference}
  },
})

function layerOf(store: string, upper: string, stubs: string[]) {
  if (!fs.existsSync(upper)) throw new CliError('invalid_usage', `the container's writable layer ${upper} is gone`)
  return callAsync((n) => n.layerFromUpper(store, upper, null, stubs))
}
