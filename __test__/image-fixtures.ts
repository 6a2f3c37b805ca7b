// Builds image archives in the test (no registry): an OCI image layout or a docker-archive
// around one layer made from a directory, with a chosen image config and layer compression.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { makeRootfs } from './helpers/rootfs'

export type Compression = 'none' | 'gzip' | 'zstd'

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

export interface ArchiveSpec {
  /** Directory whose content becomes the (first) layer. */
  dir: string
  /** More directories, each one more layer on top. */
  moreLayers?: string[]
  config?: Record<string, unknown>
  compression?: Compression
  format?: 'oci' | 'docker'
  name?: string
}

export function layerTar(dir: string): Buffer {
  return execFileSync('tar', ['-C', dir, '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 1 << 30 })
}

function compress(b: Buffer, c: Compression): Buffer {
  // Level 1: the deep and large layers of the store tests compress in a fraction of the time.
  if (c === 'gzip') return gzipSync(b, { level: 1 })
  if (c === 'zstd') return execFileSync('zstd', ['-q', '-c'], { input: b, maxBuffer: 1 << 30 })
  return b
}

export function makeArchive(spec: ArchiveSpec): string {
  return archiveOfTars([spec.dir, ...(spec.moreLayers ?? [])].map(layerTar), spec)
}

/** An archive (OCI layout unless `format` says docker) of layers given as plain tars, bottom first. */
/**
 * For the rootless tests: an archive any user may read, of a busybox image named `name` whose
 * /srv/app (uid and gid 1234, mode 0750) is in two layers: `config` ("base") below, `extra`
 * ("top") above. The caller removes the archive's directory.
 */
export function makeAppArchive(name: string): string {
  const base = makeRootfs()
  const top = mkdtempSync(join(tmpdir(), 'tsc-box-app-top-'))
  try {
    for (const [dir, file, text] of [
      [base, 'config', 'base\n'],
      [top, 'extra', 'top\n'],
    ] as const) {
      mkdirSync(join(dir, 'srv/app'), { recursive: true })
      writeFileSync(join(dir, 'srv/app', file), text)
      chownSync(join(dir, 'srv/app', file), 1234, 1234)
      chownSync(join(dir, 'srv/app'), 1234, 1234)
      chmodSync(join(dir, 'srv/app'), 0o750)
    }
    const archive = makeArchive({ dir: base, moreLayers: [top], name })
    chmodSync(join(archive, '..'), 0o755)
    chmodSync(archive, 0o644)
    return archive
  } finally {
    rmSync(base, { recursive: true, force: true })
    rmSync(top, { recursive: true, force: true })
  }
}

export function archiveOfTars(tars: Buffer[], spec: Omit<ArchiveSpec, 'dir' | 'moreLayers'> = {}): string {
  const work = mkdtempSync(join(tmpdir(), 'tsc-box-archive-'))
  const layout = join(work, 'layout')
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true })
  const put = (b: Buffer) => {
    const d = sha(b)
    writeFileSync(join(layout, 'blobs/sha256', d.slice(7)), b)
    return { digest: d, size: b.length }
  }
  const c = spec.compression ?? 'gzip'
  const layers = tars.map((t) => put(compress(t, c)))
  const config = put(
    Buffer.from(
      JSON.stringify({
        architecture: process.arch === 'x64' ? 'amd64' : 'arm64',
        os: 'linux',
        config: spec.config ?? {},
        rootfs: { type: 'layers', diff_ids: tars.map(sha) },
      }),
    ),
  )
  const name = spec.name ?? 'localhost/fixture:latest'
  if (spec.format === 'docker') {
    writeFileSync(
      join(layout, 'manifest.json'),
      JSON.stringify([
        {
          Config: `blobs/sha256/${config.digest.slice(7)}`,
          RepoTags: [name],
          Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
        },
      ]),
    )
  } else {
    const layerType = {
      none: 'application/vnd.oci.image.layer.v1.tar',
      gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
      zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
    }[c]
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: layers.map((l) => ({ mediaType: layerType, ...l })),
        }),
      ),
    )
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': name } }],
      }),
    )
  }
  const out = join(work, 'image.tar')
  execFileSync('tar', ['-C', layout, '-cf', out, '.'])
  rmSync(layout, { recursive: true })
  return out
}

/** Type, mode, owner and content (or link target) of everything below dir: a snapshot. */
export function contentHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e)
      const r = rel ? `${rel}/${e}` : e
      const st = lstatSync(p)
      const meta = `${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.rdev}`
      if (st.isDirectory()) {
        out[`${r}/`] = meta
        walk(p, r)
      } else if (st.isFile()) out[r] = `${meta} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`
      else if (st.isSymbolicLink()) out[r] = `${meta} -> ${readlinkSync(p)}`
      else out[r] = meta
    }
  }
  walk(dir, '')
  return out
}
