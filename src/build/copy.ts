/**
 * COPY and ADD's file work, with docker's rules: sources are paths inside the build context
 * (or a stage's root) — `..` that would leave it is refused and an absolute source means the
 * context's own path — with Go-style wildcards; a directory source copies its contents; a
 * destination ending in `/` (or one that is an existing directory) receives the sources by
 * name; several sources or a wildcard need a `/`-ended destination; missing directories are
 * made. A symlink in a source is copied as a link, never followed. The destination is
 * resolved inside the image's root (its symlinks followed as if the root were `/`), so an
 * image's `/app -> /etc` link cannot send files to the host.
 *
 * Both roots are hostile but still: no process runs in the step's root while files are
 * copied, and every source is opened with O_NOFOLLOW and checked with fstat against the lstat
 * that chose it.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import {resolveInRoot} from '../fs/in-root'
import type {DockerIgnore} from './dockerignore'

export interface Source {
  /** Host path of the source. */
  host: string
  /** Path relative to its root, `/`-separated (for messages and the ignore file). */
  rel: string
  stat: fs.Stats
}

export interface CopyOptions {
  uid?: number
  gid?: number
  /** --chmod: the mode of every file and directory copied. */
  mode?: number
  /** Keep the sources' owners (an unpacked ADD archive's) rather than 0:0. */
  keepOwners?: boolean
  /**
   * COPY/ADD --exclude: patterns (.dockerignore's syntax) matched against each path relative
   * to the source being copied (a file source: its own name).
   */
  exclude?: DockerIgnore
}

/** Whether --exclude leaves out `rel` (a path below `sourceRel`, or the source itself). */
function excluded(opts: CopyOptions, sourceRel: string, rel: string): boolean {
  if (!opts.exclude) return false
  const inSource = rel === sourceRel ? posixBase(rel) : sourceRel === '' ? rel : rel.slice(sourceRel.length + 1)
  return opts.exclude.excludes(inSource)
}

function posixBase(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1)
}

function contextError(message: string): CliError {
  return new CliError('build_context', message)
}

/** `..` that leaves the root is refused; an absolute path is the root's own. */
export function cleanSource(src: string): string {
  const n = path.posix.normalize(`/${src}`)
  const parts = src.split('/')
  let depth = 0
  for (const p of parts) {
    if (p === '..') depth--
    else if (p !== '' && p !== '.') depth++
    if (depth < 0 && !src.startsWith('/')) throw contextError(`forbidden path outside the build context: ${src}`)
  }
  return n.replace(/^\/+/, '')
}

function globToRegExp(pattern: string): RegExp {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2)
      if (end < 0) re += '\\['
      else {
        re += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`
        i = end
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  }
  return new RegExp(`${re}$`, 's')
}

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s)
}

/**
 * The sources `src` names in `root` (the context, with `ignore` applied): the path itself, or
 * every match of a wildcard pattern. Nothing is followed: a component that is a symlink in
 * the context is not a way into anything.
 */
export function findSources(root: string, src: string, ignore?: DockerIgnore): Source[] {
  const rel = cleanSource(src)
  if (rel === '') return [{host: root, rel: '', stat: fs.lstatSync(root)}]
  const parts = rel.split('/')
  let found: {host: string; rel: string}[] = [{host: root, rel: ''}]
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!
    const last = i === parts.length - 1
    const next: {host: string; rel: string}[] = []
    for (const f of found) {
      const join = (name: string) => ({host: path.join(f.host, name), rel: f.rel ? `${f.rel}/${name}` : name})
      if (!hasWildcard(p)) {
        next.push(join(p))
        continue
      }
      const re = globToRegExp(p)
      let names: string[] = []
      try {
        names = fs.readdirSync(f.host).sort()
      } catch {
        continue
      }
      for (const n of names) if (re.test(n)) next.push(join(n))
    }
    // Only directories (never symlinks) lead further.
    found = last
      ? next
      : next.filter((f) => {
          try {
            return fs.lstatSync(f.host).isDirectory()
          } catch {
            return false
          }
        })
  }
  const out: Source[] = []
  for (const f of found) {
    if (ignore?.excludes(f.rel)) continue
    let stat: fs.Stats
    try {
      stat = fs.lstatSync(f.host)
    } catch {
      continue
    }
    out.push({host: f.host, rel: f.rel, stat})
  }
  if (out.length === 0 && !hasWildcard(rel)) throw contextError(`failed to compute cache key: "/${rel}": not found`)
  return out
}

/** Walks a source in name order: (host path, rel path, lstat), ignored paths left out. */
function* walk(src: Source, ignore?: DockerIgnore): Generator<Source> {
  yield src
  if (!src.stat.isDirectory()) return
  let names: string[]
  try {
    names = fs.readdirSync(src.host).sort()
  } catch (e) {
    throw contextError(`reading ${src.rel || '.'}: ${(e as Error).message}`)
  }
  for (const n of names) {
    const rel = src.rel ? `${src.rel}/${n}` : n
    if (ignore?.excludes(rel) && !(ignore.hasExceptions && safeIsDir(path.join(src.host, n)) && ignore.mayHoldExceptions(rel))) continue
    const host = path.join(src.host, n)
    let stat: fs.Stats
    try {
      stat = fs.lstatSync(host)
    } catch {
      continue
    }
    yield* walk({host, rel, stat}, ignore)
  }
}

function safeIsDir(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory()
  } catch {
    return false
  }
}

/**
 * The content of what a COPY reads, for the cache: names, types, modes, link targets and file
 * contents, never times (a touched file with the same bytes is the same source).
 */
export function hashSources(sources: Source[], ignore?: DockerIgnore): string {
  const h = createHash('sha256')
  for (const s of sources) {
    for (const e of walk(s, ignore)) {
      const rel = path.posix.relative(s.rel, e.rel)
      h.update(`${s.rel}\0${rel}\0${e.stat.mode}\0`)
      if (e.stat.isSymbolicLink()) h.update(fs.readlinkSync(e.host))
      else if (e.stat.isFile()) {
        const fd = fs.openSync(e.host, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK)
        try {
          const buf = Buffer.allocUnsafe(1 << 16)
          for (;;) {
            const n = fs.readSync(fd, buf, 0, buf.length, null)
            if (n === 0) break
            h.update(buf.subarray(0, n))
          }
        } finally {
          fs.closeSync(fd)
        }
      }
      h.update('\0')
    }
  }
  return h.digest('hex')
}

function removeExisting(p: string): void {
  let st: fs.Stats
  try {
    st = fs.lstatSync(p)
  } catch {
    return
  }
  if (st.isDirectory()) fs.rmSync(p, {recursive: true, force: true})
  else fs.unlinkSync(p)
}

function copyFile(src: Source, dest: string, mode: number): void {
  const fd = fs.openSync(src.host, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK)
  try {
    const now = fs.fstatSync(fd)
    if (!now.isFile() || now.ino !== src.stat.ino || now.dev !== src.stat.dev) throw contextError(`${src.rel}: changed while it was copied`)
    removeExisting(dest)
    const out = fs.openSync(dest, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode & 0o777)
    try {
      const buf = Buffer.allocUnsafe(1 << 18)
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, null)
        if (n === 0) break
        fs.writeSync(out, buf, 0, n)
      }
      fs.fchmodSync(out, mode)
    } finally {
      fs.closeSync(out)
    }
  } finally {
    fs.closeSync(fd)
  }
}

function setMeta(dest: string, st: fs.Stats, opts: CopyOptions, isLink: boolean): void {
  if (opts.keepOwners) fs.lchownSync(dest, st.uid, st.gid)
  else fs.lchownSync(dest, opts.uid ?? 0, opts.gid ?? 0)
  if (!isLink) fs.chmodSync(dest, opts.mode ?? st.mode & 0o7777)
  fs.lutimesSync(dest, st.atime, st.mtime)
}

/** Copies `src` to the host path `dest` (already resolved inside the image's root). */
function copyTree(src: Source, dest: string, opts: CopyOptions, ignore?: DockerIgnore, sourceRel = src.rel): void {
  const st = src.stat
  if (st.isDirectory()) {
    let existing: fs.Stats | undefined
    try {
      existing = fs.lstatSync(dest)
    } catch {
      existing = undefined
    }
    if (existing && !existing.isDirectory()) removeExisting(dest)
    if (!existing?.isDirectory()) fs.mkdirSync(dest, {mode: 0o755})
    const names = fs.readdirSync(src.host).sort()
    for (const n of names) {
      const rel = src.rel ? `${src.rel}/${n}` : n
      const host = path.join(src.host, n)
      let cst: fs.Stats
      try {
        cst = fs.lstatSync(host)
      } catch {
        continue
      }
      if (ignore?.excludes(rel) && !(cst.isDirectory() && ignore.hasExceptions && ignore.mayHoldExceptions(rel))) continue
      if (excluded(opts, sourceRel, rel)) continue
      copyTree({host, rel, stat: cst}, path.join(dest, n), opts, ignore, sourceRel)
    }
    setMeta(dest, st, opts, false)
  } else if (st.isSymbolicLink()) {
    removeExisting(dest)
    fs.symlinkSync(fs.readlinkSync(src.host), dest)
    setMeta(dest, st, opts, true)
  } else if (st.isFile()) {
    copyFile(src, dest, opts.mode ?? st.mode & 0o7777)
    setMeta(dest, st, opts, false)
  }
  // Sockets, FIFOs and devices of a context are not copied (as docker).
}

/** Makes the directories of `abs` (an absolute path in the image) inside `root`; returns its host path. */
export function ensureDirInRoot(root: string, abs: string, opts: CopyOptions = {}): string {
  const r = resolveInRoot(root, abs)
  if (r.stat?.isDirectory()) return r.hostPath
  if (r.stat) throw contextError(`cannot copy to ${abs}: it exists and is not a directory`)
  // The part that does not exist yet is plain names below a resolved directory.
  const rel = path.relative(root, r.hostPath)
  if (rel.startsWith('..')) throw contextError(`${abs} resolves outside the image's root`)
  let cur = root
  for (const c of rel.split('/').filter(Boolean)) {
    cur = path.join(cur, c)
    try {
      const st = fs.lstatSync(cur)
      if (!st.isDirectory()) throw contextError(`cannot copy to ${abs}: ${c} is not a directory`)
      continue
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
    fs.mkdirSync(cur, {mode: 0o755})
    if (opts.uid !== undefined) fs.lchownSync(cur, opts.uid, opts.gid ?? 0)
  }
  return r.hostPath
}

/**
 * Copies `sources` to `dest` (absolute, in the image) inside `root`, by docker's rules. `many`:
 * several sources or a wildcard (the destination must then be a directory ending in `/`).
 */
export function copyInto(root: string, sources: Source[], dest: string, many: boolean, opts: CopyOptions, ignore?: DockerIgnore): void {
  const destIsDir = dest.endsWith('/')
  if (many && !destIsDir) throw contextError('When using COPY with more than one source file, the destination must be a directory and end with a /')
  const existing = resolveInRoot(root, dest)
  const intoDir = destIsDir || existing.stat?.isDirectory() === true
  for (const s of sources) {
    if (s.stat.isDirectory()) {
      // A directory's contents go to the destination, itself a directory.
      const host = ensureDirInRoot(root, dest, opts)
      for (const n of fs.readdirSync(s.host).sort()) {
        const rel = s.rel ? `${s.rel}/${n}` : n
        const h = path.join(s.host, n)
        let st: fs.Stats
        try {
          st = fs.lstatSync(h)
        } catch {
          continue
        }
        if (ignore?.excludes(rel) && !(st.isDirectory() && ignore.hasExceptions && ignore.mayHoldExceptions(rel))) continue
        if (excluded(opts, s.rel, rel)) continue
        copyTree({host: h, rel, stat: st}, path.join(host, n), opts, ignore, s.rel)
      }
      continue
    }
    if (excluded(opts, s.rel, s.rel)) continue
    if (intoDir) {
      const host = ensureDirInRoot(root, dest, opts)
      copyTree(s, path.join(host, path.basename(s.host)), opts, ignore)
    } else {
      const parent = ensureDirInRoot(root, path.posix.dirname(dest), opts)
      copyTree(s, path.join(parent, path.posix.basename(dest)), opts, ignore)
    }
  }
}

/** A file of given content (a COPY heredoc). */
export function writeFileInto(root: string, dest: string, name: string, content: string, opts: CopyOptions): void {
  const destIsDir = dest.endsWith('/')
  const existing = resolveInRoot(root, dest)
  const target =
    destIsDir || existing.stat?.isDirectory()
      ? path.join(ensureDirInRoot(root, dest, opts), name)
      : path.join(ensureDirInRoot(root, path.posix.dirname(dest), opts), path.posix.basename(dest))
  removeExisting(target)
  const fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644)
  try {
    fs.writeSync(fd, content)
    fs.fchmodSync(fd, opts.mode ?? 0o644)
    fs.fchownSync(fd, opts.uid ?? 0, opts.gid ?? 0)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Copies the file the path `p` names in `srcRoot` to the same path in `destRoot`, with every
 * symlink met on the way in `srcRoot` recreated in `destRoot` (a loader at /lib64/ld.so that
 * links to /lib/x86_64-linux-gnu/ld.so arrives as both), each resolved inside its root. What
 * already exists in the destination is kept. For COPY --closure: a binary's libraries and
 * loader at the paths its loader opens them.
 */
export function copyPathWithLinks(srcRoot: string, destRoot: string, p: string): void {
  let done = '/'
  const todo = p
    .split('/')
    .filter((c) => c !== '' && c !== '.')
    .reverse()
  let hops = 0
  while (todo.length > 0) {
    const c = todo.pop()!
    if (c === '..') {
      done = path.posix.dirname(done)
      continue
    }
    const next = path.posix.join(done, c)
    const host = path.join(srcRoot, next)
    const st = fs.lstatSync(host, {throwIfNoEntry: false})
    if (!st) throw contextError(`${p}: not found in the stage`)
    const destParent = ensureDirInRoot(destRoot, done)
    const dest = path.join(destParent, c)
    const there = fs.lstatSync(dest, {throwIfNoEntry: false})
    if (st.isSymbolicLink()) {
      if (++hops > 40) throw contextError(`${p}: too many levels of symbolic links`)
      const target = fs.readlinkSync(host)
      if (!there) {
        fs.symlinkSync(target, dest)
        fs.lchownSync(dest, 0, 0)
      }
      if (target.startsWith('/')) done = '/'
      for (const t of target
        .split('/')
        .filter((x) => x !== '' && x !== '.')
        .reverse())
        todo.push(t)
      continue
    }
    if (st.isDirectory()) {
      if (!there) {
        fs.mkdirSync(dest, {mode: st.mode & 0o7777})
        fs.lchownSync(dest, st.uid, st.gid)
        fs.chmodSync(dest, st.mode & 0o7777)
      }
      done = next
      continue
    }
    if (todo.length > 0) throw contextError(`${p}: ${next} is not a directory`)
    if (!st.isFile()) throw contextError(`${p}: not a regular file`)
    if (!there) {
      copyFile({host, rel: next, stat: st}, dest, st.mode & 0o7777)
      fs.lchownSync(dest, st.uid, st.gid)
      fs.chmodSync(dest, st.mode & 0o7777)
      fs.lutimesSync(dest, st.atime, st.mtime)
    }
    return
  }
}
