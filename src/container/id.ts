/** Container ids: 64 random hex digits like docker's; the first 12 are the short id. */
import {randomBytes} from 'node:crypto'

export function newContainerId(): string {
  return randomBytes(32).toString('hex')
}

export function shortId(id: string): string {
  return id.slice(0, 12)
}
