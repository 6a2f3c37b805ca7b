// Small C programs the attack tests run inside busybox containers: compiled once per test
// process with gcc -static (no libc needed in the container).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const built = new Map<string, string>()

/** Path of `source` compiled as a static executable named `name`. */
export function staticProgram(name: string, source: string): string {
  const done = built.get(name)
  if (done) return done
  const dir = mkdtempSync(join(tmpdir(), `tsc-box-${name}-`))
  writeFileSync(join(dir, `${name}.c`), source)
  execFileSync('gcc', ['-static', '-O1', '-o', join(dir, name), join(dir, `${name}.c`)])
  built.set(name, join(dir, name))
  return join(dir, name)
}
