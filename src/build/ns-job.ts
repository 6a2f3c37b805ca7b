/**
 * The one step a rootless build hands to its worker in a user namespace (Builder
 * stepInNamespace, src/build/ns-worker.ts): what the worker needs to do it as the build would,
 * and the JSON both sides speak on the pipes between them (Maps and Sets included: a stage's
 * ARGs, the build args, the stages' used ARGs).
 */
import * as path from 'node:path'
import type {Instruction} from './dockerfile/parse'
import type {BuildOptions, StageState, StepContext} from './builder'
import {packageRoot} from '../runtime/locate'

export interface NamespaceJob {
  /** The build's options, `root` the data root itself (the worker's own would be root's). */
  opts: BuildOptions
  /** The .dockerignore's text. */
  ignore?: string
  escape: string
  step: number
  /** The stages built so far (COPY --from reads them). */
  stageResults: [number, StageState][]
  prev: StageState
  ins: Instruction
  ctx: StepContext
}

export function encodeJob(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v instanceof Map ? {$map: [...v]} : v instanceof Set ? {$set: [...v]} : v))
}

export function decodeJob(text: string): unknown {
  return JSON.parse(text, (_k, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      if ('$map' in v) return new Map(v.$map)
      if ('$set' in v) return new Set(v.$set)
    }
    return v
  })
}

/** The worker's script: compiled beside this module (the fast path's bundle is elsewhere). */
export function nsWorkerPath(): string {
  return path.join(packageRoot(), 'dist', 'src', 'build', 'ns-worker.js')
}
