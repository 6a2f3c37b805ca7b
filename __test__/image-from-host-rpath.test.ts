// `image from-host` follows a program's RUNPATH the way the host's ld.so does, tokens
// included: a program built with RUNPATH `$ORIGIN/../$LIB/$PLATFORM` finds its library in the
// image and runs in the container. ld.so itself says where the tokens point (LD_DEBUG=libs),
// so the test does not assume what $LIB is on this distribution.
import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'

function buildApp(): { dir: string; program: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-rpath-'))
  const build = join(dir, 'build')
  mkdirSync(build)
  mkdirSync(join(dir, 'app/bin'), { recursive: true })
  writeFileSync(join(build, 'greet.c'), 'const char *greet(void) { return "hello from libgreet"; }\n')
  writeFileSync(join(build, 'main.c'), '#include <stdio.h>\nconst char *greet(void);\nint main(void) { puts(greet()); return 0; }\n')
  execFileSync('gcc', ['-shared', '-fPIC', '-o', join(build, 'libgreet.so'), join(build, 'greet.c')])
  const program = join(dir, 'app/bin/hello')
  execFileSync('gcc', ['-o', program, join(build, 'main.c'), `-L${build}`, '-lgreet', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../$LIB/$PLATFORM'])
  // The last directory of the RUNPATH search ld.so reports is the expanded entry itself (the
  // ones before it are its hwcaps subdirectories).
  const debug = spawnSync(program, [], { env: { ...process.env, LD_DEBUG: 'libs' }, encoding: 'utf8' }).stderr
  const line = /search path=([^\t\n]*)\t+\(RUNPATH from file/.exec(debug)
  if (!line) throw new Error(`ld.so did not report the RUNPATH search:\n${debug}`)
  const libDir = line[1]!.split(':').pop()!
  mkdirSync(libDir, { recursive: true })
  copyFileSync(join(build, 'libgreet.so'), join(libDir, 'libgreet.so'))
  return { dir, program }
}

test('from-host expands $ORIGIN, $LIB and $PLATFORM in RUNPATH like ld.so', (t) => {
  const { program } = buildApp()
  t.is(execFileSync(program, { encoding: 'utf8' }), 'hello from libgreet\n', 'the program runs on the host')
  const root = makeDataRoot()
  const b = tsc(root, ['image', 'from-host', 'rpathimg', program])
  t.is(b.code, 0, b.stderr)
  const r = tsc(root, ['run', '--rm', 'rpathimg'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'hello from libgreet\n')
})
