// A build whose base is only in a registry pulls it (by the --pull policy); the image it makes
// pushes to the registry and, pulled into another store, runs.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { collect, makeDataRoot, tscSpawn } from './helpers/cli'
import { serialIf } from './helpers/conditional'
import { startRegistry, type Registry } from './image-registry-fixtures'
import { spawnSync } from 'node:child_process'

const serial = serialIf(process.getuid?.() === 0 && spawnSync('docker-registry', ['--version']).status === 0, 'needs root and docker-registry')
const run = (root: string, args: string[]) => collect(tscSpawn(root, args, { env: { ...process.env, TSC_BOX_ROOT: root } }))

serial('FROM an image only in a registry pulls it; --pull=never refuses; the built image pushes, pulls elsewhere and runs', async (t) => {
  const reg: Registry = await startRegistry()
  try {
    const source = makeDataRoot()
    const base = `${reg.host}/build/base:1`
    t.is((await run(source, ['image', 'from-host', base, '/bin/sh', '/bin/cat'])).code, 0)
    t.is((await run(source, ['push', base])).code, 0)
    const ctx = mkdtempSync(join(tmpdir(), 'tsc-box-ctx-'))
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${base}\nRUN echo built-here > /msg\nENTRYPOINT ["/bin/cat", "/msg"]\n`)
    const builder = makeDataRoot()
    const never = await run(builder, ['build', '--pull=never', ctx])
    t.is(never.code, 1, never.stderr)
    t.regex(never.stderr, /--pull=never/)
    const app = `${reg.host}/build/app:1`
    const b = await run(builder, ['build', '-t', app, ctx])
    t.is(b.code, 0, b.stderr)
    t.is((await run(builder, ['push', app])).code, 0)
    const elsewhere = makeDataRoot()
    t.is((await run(elsewhere, ['pull', app])).code, 0)
    const r = await run(elsewhere, ['run', '--rm', app])
    t.is(r.stdout, 'built-here\n', r.stderr)
  } finally {
    reg.stop()
  }
})
