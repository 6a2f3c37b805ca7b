/**
 * Path resolution inside a root filesystem that we treat as hostile: symlinks are followed as
 * if the root were `/`, so `/etc/passwd -> /etc/shadow` or `..` chains never leave the root.
 * The rootfs is not in use by any container while the CLI validates it, so resolving with
 * lstat/readlink is race-free for our purposes. (Files read from it, /etc/passwd and
 * /etc/group, are read by the store with openat2: crates/containers/src/user.rs.)
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'

const MAX_SYMLINKS = 40

export interface InRoot {
  /** Host path of the target, with every symlink resolved inside the root. */
  hostPath: string
  /** lstat of the target, or undefined when it does not exist. */
  stat?: fs.Stats
}

export function resolveInRoot(root: string, target: string): InRoot {
  const parts: string[] = []
  const todo = target.split('/').filter((c) => c !== '' && c !== '.')
  let hops = 0
  while (todo.length > 0) {
    const comp = todo.shift() as string
    if (comp === '..') {
      parts.pop()
      continue
    }
    const host = path.join(root, ...parts, comp)
    let st: fs.Stats
    try {
      st = fs.lstatSync(host)
    } catch {
      return {hostPath: path.join(root, ...parts, comp, ...todo)}
    }
    if (st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINKS) throw new CliError('rootfs_symlink_loop', `too many symbolic links resolving ${target} in ${root}`)
      const link = fs.readlinkSync(host)
      if (link.startsWith('/')) parts.length = 0
      todo.unshift(...link.split('/').filter((c) => c !== '' && c !== '.'))
      continue
    }
    if (todo.length > 0 && !st.isDirectory()) return {hostPath: path.join(root, ...parts, comp, ...todo)}
    parts.push(comp)
    if (todo.length === 0) return {hostPath: host, stat: st}
  }
  return {hostPath: root, stat: fs.lstatSync(root)}
}
