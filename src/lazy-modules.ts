/**
 * Node's modules that cost milliseconds to load (node:net brings in the streams, and
 * node:child_process brings in node:net) and that `run` needs only on some paths: each is
 * required on its first use instead of when the bundle starts.
 */
export function childProcess(): typeof import('node:child_process') {
  return require('node:child_process') as typeof import('node:child_process')
}

export function netModule(): typeof import('node:net') {
  return require('node:net') as typeof import('node:net')
}
