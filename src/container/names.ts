/**
 * Container names: docker's syntax, unique per data root, claimed atomically (the store's,
 * crates/containers/src/names.rs: `create` claims them, every removal releases them).
 */
import * as path from 'node:path'
import {containers, storeStatic} from './store'

/** invalid_name unless docker's [a-zA-Z0-9][a-zA-Z0-9_.-]+ (at most 128 characters). */
export function validateName(name: string): void {
  storeStatic((s) => s.validateName(name))
}

export function namesDir(dataRoot: string): string {
  return path.join(dataRoot, 'names')
}

/** Names whose holder has no container directory (its `run` was killed while creating it). */
export function staleNames(paths: {dataRoot: string; runDir: string}): Array<{name: string; id: string}> {
  return containers(paths, (s) => s.staleNames())
}

/** The name container `id` holds, if any. */
export function nameOf(paths: {dataRoot: string; runDir: string}, id: string): string | undefined {
  return containers(paths, (s) => s.nameOf(id)) ?? undefined
}

/** Releases `name` only if `id` still holds it (the store's, crates/containers). */
export {releaseName} from './remove'
