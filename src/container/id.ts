/**
 * Container ids: 64 random hex digits like docker's; the first 12 are the short id. Random
 * bytes come from /dev/urandom rather than node:crypto, whose loading alone costs ~3 ms of
 * `tsc-box run`'s start.
 */
import * as fs from 'node:fs'

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
  return randomBytes(32).toString('hex')
}

export function shortId(id: string): string {
  return id.slice(0, 12)
}
