/**
 * The lifecycle files in a container's directory, beside the CLI's record.json:
 *  - status.json   the monitor's record of the container's life (runtime writes it atomically)
 *  - status.stop   present when `stop`/`rm` ended the container on purpose (no restart)
 *  - container.log the container's output (CRI lines), container.log.1 after a rotation
 *  - lifecycle.json how to start it again: restart policy, --rm (written by the store,
 *    crates/containers/src/status.rs)
 *  - paused        present while the container is frozen
 */
import * as fs from 'node:fs'
import * as path from 'node:path'

export interface LifecycleFiles {
  status: string
  stop: string
  log: string
  settings: string
  paused: string
}

export function lifecycleFiles(dir: string): LifecycleFiles {
  return {
    status: path.join(dir, 'status.json'),
    stop: path.join(dir, 'status.stop'),
    log: path.join(dir, 'container.log'),
    settings: path.join(dir, 'lifecycle.json'),
    paused: path.join(dir, 'paused'),
  }
}

export interface Settings {
  restart: string
  /** `run -d --rm` / `create --rm`: the container removes itself once it has ended. */
  rm?: boolean
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}
