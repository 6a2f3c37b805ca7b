/**
 * The image a container was made from: its bundle's image.json names the digest (a container
 * made with --rootfs has none). diff, commit and export read its layers.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import {call, type ImageSummary} from '../image/native'
import {imagesRoot} from '../image/store'
import type {ContainerView} from '../lifecycle/state'

/**
 * The container's image, or null when the store no longer has it. A container made with
 * --rootfs is a CliError whose message ends with `withoutImage` (what that prevents).
 */
export function imageOfContainer(dataRoot: string, v: ContainerView, withoutImage: string): ImageSummary | null {
  let digest: string | undefined
  try {
    digest = (JSON.parse(fs.readFileSync(path.join(path.dirname(v.rootfs), 'image.json'), 'utf8')) as {digest?: string}).digest
  } catch {
    throw new CliError('invalid_usage', `container ${v.name} was not made from an image (--rootfs): ${withoutImage}`)
  }
  return digest ? call((n) => n.imageFind(imagesRoot(dataRoot), digest)) : null
}

/** imageOfContainer, the image gone being an error too. */
export function requireImageOfContainer(dataRoot: string, v: ContainerView, withoutImage: string): ImageSummary {
  const image = imageOfContainer(dataRoot, v, withoutImage)
  if (!image) throw new CliError('image_not_found', `the image of container ${v.name} is no longer in the store`)
  return image
}
