/**
 * The CLI's container store lives in Rust (crates/containers), shared with the runtime's
 * native `exec` front door: this is its door for the TypeScript commands. The binding's
 * failures carry their code as a property and become CliErrors with that code's exit status.
 */
import {fromNative} from '../errors'
import {native, type Native} from '../native'

export function store<T>(f: (n: Native) => T): T {
  try {
    return f(native())
  } catch (e) {
    throw fromNative(e)
  }
}
