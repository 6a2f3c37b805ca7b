/**
 * The image half of the napi binding, with its errors turned into CliErrors: the binding
 * puts a stable code on each error it throws (src/errors.ts `fromNative`).
 */
import * as fs from 'node:fs'
import {hasSubordinateRanges, rootlessMapArgs} from '../container/rootless-maps'
import {fromNative} from '../errors'
import {native, type Native} from '../native'
import {runtimePath} from '../runtime/locate'

export type ImageSummary = ReturnType<Native['imageList']>[number]
export type ImageDetails = ReturnType<Native['imageInspect']>

let helperChosen = false

/**
 * Without root, layers are unpacked by the runtime in a user namespace with the user's
 * subordinate ids (so that a file of uid 33 stays uid 33 inside containers). A user without
 * ranges has no other ids: its layers are unpacked in-process, every file its own.
 */
function binding(): Native {
  const n = native()
  if (!helperChosen) {
    helperChosen = true
    if ((process.getuid?.() ?? 0) !== 0 && hasSubordinateRanges()) {
      const runtime = runtimePath()
      if (isExecutable(runtime)) n.imageUseUnpackHelper(runtime, rootlessMapArgs())
    }
  }
  return n
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Calls into the binding; a coded failure becomes a CliError (exit 125). */
export function call<T>(f: (n: Native) => T): T {
  try {
    return f(binding())
  } catch (e) {
    throw fromNative(e)
  }
}

export async function callAsync<T>(f: (n: Native) => Promise<T>): Promise<T> {
  try {
    return await f(binding())
  } catch (e) {
    throw fromNative(e)
  }
}
