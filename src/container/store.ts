/**
 * The CLI's container store lives in Rust (crates/containers), shared with the runtime's
 * native `exec` front door: this is its door for the TypeScript commands. The binding's
 * failures read "[code:exit] message" and become CliErrors with that code and exit status.
 */
import {CliError} from '../errors'
import {native, type Native} from '../native'

const CODED = /^\[([a-z_]+):(\d+)\] ([\s\S]*)$/

export function store<T>(f: (n: Native) => T): T {
  try {
    return f(native())
  } catch (e) {
    const m = e instanceof Error ? CODED.exec(e.message) : null
    if (m) throw new CliError(m[1], m[3], Number(m[2]))
    throw e
  }
}
