// COPY --from=STAGE --closure (tsc-box's own flag): a C program compiled in a gcc stage is
// copied into scratch with the libraries and loader its stage's loader would load, found
// inside that stage's root; the image runs and is a fraction of its build stage.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'
import { serialIf } from './helpers/conditional'

const HELLO = '#include <stdio.h>\nint main(void){printf("hello from C\\n");return 0;}\n'
const gcc = spawnSync('gcc', ['--version']).status === 0
const serial = serialIf(process.getuid?.() === 0 && gcc, 'needs root and a host gcc (the gcc stage is made from the host)')
const root = makeDataRoot()

/** A gcc image from the host's gcc: the compiler's programs, and the headers and files hello.c needs. */
function gccImage(src: string): void {
  const lib = (n: string) => execFileSync('gcc', [`-print-file-name=${n}`], { encoding: 'utf8' }).trim()
  const progs = ['cc1', 'collect2', 'lto-wrapper'].map((p) => execFileSync('gcc', [`-print-prog-name=${p}`], { encoding: 'utf8' }).trim())
  const headers = execFileSync('gcc', ['-O2', '-M', src], { encoding: 'utf8' })
    .replace(/\\\n/g, ' ')
    .split(/\s+/)
    .filter((f) => f.startsWith('/'))
  const files = [
    ...headers,
    ...[
      'Scrt1.o',
      'crti.o',
      'crtn.o',
      'crtbeginS.o',
      'crtendS.o',
      'libgcc.a',
      'libgcc_s.so',
      'libgcc_s.so.1',
      'libc.so',
      'libc_nonshared.a',
      'liblto_plugin.so',
    ].map(lib),
  ]
  // Paths as the compiler names them (.. resolved, symlinks kept).
  const adds = files.map((f) => `--add=${join(realpathSync(dirname(f)), f.split('/').pop()!)}`)
  const r = tsc(root, [
    'image',
    'from-host',
    ...adds,
    '--',
    'localhost/gcc:host',
    '/usr/bin/gcc',
    ...progs,
    '/usr/bin/as',
    '/usr/bin/ld',
    '/bin/sh',
    '/bin/mkdir',
  ])
  if (r.code !== 0) throw new Error(r.stderr)
}

serial('a C program built in a gcc stage, copied with --closure into scratch, runs', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-closure-'))
  writeFileSync(join(dir, 'hello.c'), HELLO)
  gccImage(join(dir, 'hello.c'))
  writeFileSync(
    join(dir, 'Dockerfile'),
    'FROM localhost/gcc:host AS build\nCOPY hello.c /src/hello.c\nRUN mkdir /out && gcc -O2 -o /out/hello /src/hello.c\nFROM scratch\nCOPY --from=build --closure /out/hello /hello\nENTRYPOINT ["/hello"]\n',
  )
  const b = tsc(root, ['build', '-t', 'localhost/hello:closure', dir])
  t.is(b.code, 0, b.stderr)
  const r = tsc(root, ['run', '--rm', 'localhost/hello:closure'])
  t.is(r.stdout, 'hello from C\n', r.stderr)
  const [img] = JSON.parse(tsc(root, ['image', 'inspect', 'localhost/hello:closure']).stdout)
  const [build] = JSON.parse(tsc(root, ['image', 'inspect', 'localhost/gcc:host']).stdout)
  // The binary, libc and the loader: a few MB, against the tens of the compiler's stage.
  t.true(img.Size < 8 << 20, `${img.Size}`)
  t.true(img.Size * 5 < build.Size, `${img.Size} vs ${build.Size}`)
  t.log(`final image ${img.Size} bytes unpacked (${img.CompressedSize} compressed); gcc stage ${build.Size} unpacked`)
})

serial('--closure without --from is refused: the binaries are looked up in a stage', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-closure-'))
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY --closure hello /hello\n')
  const r = tsc(root, ['build', dir])
  t.is(r.code, 1)
  t.regex(r.stderr, /--closure needs --from=STAGE/)
})
