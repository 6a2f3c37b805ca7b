/** Container ids: 64 random hex digits like docker's (the store's, crates/containers/src/id.rs). */
import * as fs from 'node:fs'
import {storeStatic} from './store'

/** Random bytes from /dev/urandom rather than node:crypto, whose loading alone costs ~3 ms. */
export function randomBytes(n: number): Buffer {
  const buf = Buffer.alloc(n)
  const fd = fs.openSync('/dev/urandom', 'r')
  try {
    let off = 0
    while (off < n) off += fs.readSync(fd, buf, off, n - off, null)
  } finally {
    fs.closeSync(fd)
  }
  return buf
}

export function newContainerId(): string {
  return storeStatic((s) => s.newId())
}

export function shortId(id: string): string {
  return id.slice(0, 12)
}
