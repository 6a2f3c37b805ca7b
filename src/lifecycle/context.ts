/** What every lifecycle command needs: the paths of its data root and the runtime binary. */
import {currentPathEnv, resolvePaths, type Paths} from '../paths'
import {requireRuntime} from '../runtime/locate'

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
