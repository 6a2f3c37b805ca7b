import test from 'ava'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CliError } from '../src/errors'
import { readVolumes } from '../src/run/validate'
import { parseVolume } from '../src/run/volume'

test('SRC:DST defaults to read-write; ro and rw modes', (t) => {
  t.deepEqual(parseVolume('/a:/b'), { source: '/a', destination: '/b', readonly: false })
  t.deepEqual(parseVolume('/a/:/b/c/:ro'), { source: '/a', destination: '/b/c', readonly: true })
  t.deepEqual(parseVolume('/a:/b:rw'), { source: '/a', destination: '/b', readonly: false })
})

test('bad volume syntax is refused', (t) => {
  for (const spec of ['/a', 'a:/b', '/a:b', '/a:/', '/a:/b:xx', '/a:/b:ro:z', 'named:/data']) {
    const e = t.throws(() => parseVolume(spec), { instanceOf: CliError }, spec)
    t.is(e?.code, 'invalid_volume')
    t.is(e?.exitCode, 125)
  }
})

test('the source must exist; duplicate destinations are refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-vol-'))
  t.is(readVolumes([`${dir}:/x`]).length, 1)
  const e = t.throws(() => readVolumes([`${join(dir, 'missing')}:/x`]), { instanceOf: CliError })
  t.is(e?.code, 'volume_source_missing')
  t.throws(() => readVolumes([`${dir}:/x`, `${dir}:/x/`]), { instanceOf: CliError, message: /duplicate mount point/ })
})
