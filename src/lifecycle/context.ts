/** What every lifecycle command needs: the paths of its data root and the runtime binary. */
import {defineAction} from '../cli/action'
import {currentPathEnv, resolvePaths, type Paths} from '../paths'
import {requireRuntime} from '../runtime/locate'
import {resolveContainer} from './resolve'
import type {ContainerView} from './state'

export interface Context {
  paths: Paths
  runtime: string
}

export function context(root: string | undefined): Context {
  return {paths: resolvePaths(root, currentPathEnv()), runtime: requireRuntime()}
}

/**
 * Runs `op` on each container reference like docker does: all of them, even after a failure;
 * the first error is rethrown at the end (after the others were done).
 */
export async function eachRef<T>(refs: string[], op: (ref: string) => Promise<T>, onDone: (ref: string, r: T) => void): Promise<T[]> {
  const out: T[] = []
  let first: unknown
  for (const ref of refs) {
    try {
      const r = await op(ref)
      out.push(r)
      onDone(ref, r)
    } catch (e) {
      if (refs.length > 1) process.stderr.write(`tsc-box: ${(e as Error).message}\n`)
      first ??= e
    }
  }
  if (first !== undefined) {
    if (refs.length > 1 && first instanceof Error) Object.assign(first, {shown: true})
    throw first
  }
  return out
}

/**
 * The action of a command that does `op` to each container it names (rm, start): every
 * reference resolved and done in turn (eachRef), printed once done; --json: [{id, name}].
 */
export function containersAction(op: (v: ContainerView, ctx: Context, flags: Record<string, unknown>) => Promise<void> | void) {
  return defineAction({
    args: {container: {required: true, description: 'container name, id or id prefix'}},
    strict: false,
    run(cmd): Promise<{id: string; name: string}[]> {
      const ctx = context(cmd.flags.root as string | undefined)
      return eachRef(
        cmd.argv,
        async (ref) => {
          const v = resolveContainer(ctx.paths.dataRoot, ref, ctx.paths.runDir)
          await op(v, ctx, cmd.flags)
          return {id: v.id, name: v.name}
        },
        (ref) => cmd.json || cmd.log(ref),
      )
    },
  })
}
