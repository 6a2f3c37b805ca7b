/**
 * The image half of the napi binding, with its errors turned into CliErrors: the binding
 * prefixes each message with a stable "[code] ".
 */
import {CliError} from '../errors'
import {native, type Native} from '../native'

export type ImageSummary = ReturnType<Native['imageList']>[number]
export type ImageDetails = ReturnType<Native['imageInspect']>

const CODED = /^\[([a-z_]+)\] ([\s\S]*)$/

export function toCliError(e: unknown): unknown {
  if (e instanceof CliError) return e
  const message = e instanceof Error ? e.message : String(e)
  const m = CODED.exec(message)
  return m ? new CliError(m[1], m[2]) : e
}

/** Calls into the binding; a coded failure becomes a CliError (exit 125). */
export function call<T>(f: (n: Native) => T): T {
  try {
    return f(native())
  } catch (e) {
    throw toCliError(e)
  }
}

export async function callAsync<T>(f: (n: Native) => Promise<T>): Promise<T> {
  try {
    return await f(native())
  } catch (e) {
    throw toCliError(e)
  }
}
