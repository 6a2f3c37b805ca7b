/**
 * The lifecycle commands bin/run.js dispatches without loading oclif (whose start costs more
 * than a whole `exec` or `rm`): the same code the oclif commands run, with the lean flag
 * parser. Returns the exit status, or undefined to let oclif handle the command (--help).
 */
import {jsonRequested as jsonInArgv, parseArgv} from '../cli/argv'
import {Flags} from '../cli/flags'
import {jsonFlag, rootFlag} from '../cli/global-flags'
export {reportError} from '../cli/error-output'
import {execCommand, execFlags} from './exec'

const rmFlags = {
  force: Flags.boolean({char: 'f'}),
  volumes: Flags.boolean({char: 'v'}),
  root: rootFlag,
  json: jsonFlag,
  help: Flags.boolean({hidden: true}),
}

async function rm(argv: readonly string[]): Promise<number | undefined> {
  // docker accepts flags after the names too (rm ID -f): split them out, --root with its value.
  const flagTokens: string[] = []
  const names: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]
    if (tok === '--') {
      names.push(...argv.slice(i + 1))
      break
    }
    if (tok === '--root' && i + 1 < argv.length) flagTokens.push(tok, argv[++i])
    else if (tok.startsWith('-') && tok !== '-') flagTokens.push(tok)
    else names.push(tok)
  }
  const {flags} = await parseArgv(flagTokens, rmFlags, 'rm')
  const rest = names
  if (flags.help || rest.length === 0) return undefined
  const {context, eachRef} = await import('./context')
  const {removeContainerFully} = await import('../container/remove')
  const {resolveContainer} = await import('./resolve')
  const {paths, runtime} = context(flags.root)
  const out = await eachRef(
    rest,
    async (ref) => {
      const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
      removeContainerFully(runtime, paths, v.id, flags.force)
      return {id: v.id, name: v.name}
    },
    (ref) => flags.json || process.stdout.write(`${ref}\n`),
  )
  if (flags.json) process.stdout.write(`${JSON.stringify(out)}\n`)
  return 0
}

export async function fastCommand(verb: string, argv: readonly string[]): Promise<number | undefined> {
  if (verb === 'exec') return execCommand(argv)
  if (verb === 'rm') return rm(argv)
  return undefined
}

export function jsonRequested(verb: string, argv: readonly string[]): boolean {
  if (verb === 'rm') return argv.includes('--json')
  return jsonInArgv(argv, execFlags)
}
