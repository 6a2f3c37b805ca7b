/**
 * Environment for the container: docker's env-file format and -e handling. A KEY without `=`
 * takes its value from the caller's environment and is dropped when unset, as docker does.
 */
import {CliError} from '../errors'

const WHITESPACE = /[ \t\n\v\f\r]/

/** Parses an env file's text; `source` names the file in errors. */
export function parseEnvFile(text: string, source: string, callerEnv: NodeJS.ProcessEnv): string[] {
  const out: string[] = []
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '').replace(/^[ \t\n\v\f\r]+/, '')
    if (line === '' || line.startsWith('#')) continue
    const where = `${source} line ${n + 1}`
    if (line.includes('\uFFFD')) throw new CliError('invalid_env_file', `invalid env file ${where}: invalid UTF-8`)
    const eq = line.indexOf('=')
    const key = eq === -1 ? line : line.slice(0, eq)
    if (key === '') throw new CliError('invalid_env_file', `invalid env file ${where}: no variable name before '='`)
    if (WHITESPACE.test(key)) throw new CliError('invalid_env_file', `invalid env file ${where}: variable '${key.trimEnd()}' contains whitespace`)
    if (eq !== -1) out.push(line)
    else if (callerEnv[key] !== undefined) out.push(`${key}=${callerEnv[key]}`)
  }
  return out
}

/** One -e value: KEY=VAL as given, KEY alone from the caller's environment. */
export function parseEnvFlag(value: string, callerEnv: NodeJS.ProcessEnv): string | undefined {
  const eq = value.indexOf('=')
  const key = eq === -1 ? value : value.slice(0, eq)
  if (key === '') throw new CliError('invalid_env', `invalid environment variable "${value}": no name before '='`)
  if (eq !== -1) return value
  return callerEnv[key] === undefined ? undefined : `${key}=${callerEnv[key]}`
}

/** Later entries override earlier ones with the same key; first-seen order is kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const byKey = new Map<string, string>()
  for (const list of lists) {
    for (const entry of list) {
      const eq = entry.indexOf('=')
      byKey.set(eq === -1 ? entry : entry.slice(0, eq), entry)
    }
  }
  return [...byKey.values()]
}
