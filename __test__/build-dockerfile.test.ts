// The Dockerfile parser and .dockerignore (src/build), against the examples of Docker's
// Dockerfile reference: directives, comments, continuations, heredocs, forms, flags,
// substitution in the instructions docker substitutes in, and the ignore file's rules.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text holds ${...} literally
import test from 'ava'
import { DockerIgnore } from '../src/build/dockerignore'
import { argDeclarations, flag, keyValues, parseDockerfile } from '../src/build/dockerfile/parse'
import { expandWord, expandWords } from '../src/build/dockerfile/words'
import { hostPlatform, neededStages, planStages, platformArgs } from '../src/build/stages'

const env = (vars: Record<string, string>) => (n: string) => vars[n]

test('parser directives: escape changes the escape character; syntax is noted and ignored; directives end at the first other line', (t) => {
  const df = parseDockerfile('# escape=`\n# syntax=docker/dockerfile:1\n\nFROM microsoft/nanoserver\nCOPY testfile.txt c:\\\nRUN dir c:\\\n')
  t.is(df.escape, '`')
  t.is(df.syntax, 'docker/dockerfile:1')
  t.true(df.warnings.some((w) => w.includes('syntax directive')))
  t.deepEqual(
    df.instructions.map((i) => [i.keyword, i.args]),
    [
      ['FROM', 'microsoft/nanoserver'],
      ['COPY', 'testfile.txt c:\\'],
      ['RUN', 'dir c:\\'],
    ],
  )
  // After a comment, a directive is a comment.
  t.is(parseDockerfile('# about my dockerfile\n# escape=`\nFROM a\n').escape, '\\')
  // An unknown directive is a comment, and ends the directives.
  t.is(parseDockerfile('# unknowndirective=value\n# escape=`\nFROM a\n').escape, '\\')
  // Blanks are allowed anywhere around the = and the name is case-insensitive.
  t.is(parseDockerfile('#\t  eScApE = `\nFROM a\n').escape, '`')
  t.throws(() => parseDockerfile('# escape=\\\n# escape=`\nFROM a\n'), { message: /only one escape parser directive/ })
  t.throws(() => parseDockerfile('# escape=x\nFROM a\n'), { message: /invalid escape token/ })
})

test('comments, leading blanks and line continuations (comment and empty lines inside dropped)', (t) => {
  const df = parseDockerfile('# c\n  FROM a\nRUN echo hello \\\n# comment\nworld\n        # another\n  RUN echo hi \\\n\n  there\n')
  t.deepEqual(
    df.instructions.map((i) => i.args),
    ['a', 'echo hello world', 'echo hi there'],
  )
  t.true(df.warnings.some((w) => w.includes('empty continuation line')))
  // The escape's trailing blanks are allowed; the next line's leading blanks are dropped.
  t.is(parseDockerfile('FROM a\nRUN a\\  \n   b\n').instructions[1]!.args, 'ab')
  // # in the middle of a line is an argument.
  t.is(parseDockerfile('FROM a\nRUN echo # not a comment\n').instructions[1]!.args, 'echo # not a comment')
})

test('heredocs: RUN, COPY with several, <<- strips tabs, quoted delimiters do not expand', (t) => {
  const df = parseDockerfile(
    'FROM a\nRUN <<EOF\napt-get update\napt-get install -y vim\nEOF\nCOPY <<robots.txt <<humans.txt /usr/share/nginx/html/\n(robots content)\nrobots.txt\n(humans content)\nhumans.txt\nRUN <<-"EOT" bash\n\tset -ex\n\techo $HOME\n\tEOT\nRUN python3 <<EOF > /hello\nprint("x")\nEOF\n',
  )
  const [, run, copy, bash, py] = df.instructions
  t.deepEqual(run!.heredocs, [{ name: 'EOF', content: 'apt-get update\napt-get install -y vim\n', expand: true }])
  t.is(run!.args, '<<EOF')
  t.deepEqual(
    copy!.heredocs.map((h) => [h.name, h.content]),
    [
      ['robots.txt', '(robots content)\n'],
      ['humans.txt', '(humans content)\n'],
    ],
  )
  t.deepEqual(bash!.heredocs, [{ name: 'EOT', content: 'set -ex\necho $HOME\n', expand: false }])
  t.is(py!.heredocs[0]!.content, 'print("x")\n')
  t.throws(() => parseDockerfile('FROM a\nRUN <<EOF\necho\n'), { message: /unterminated heredoc EOF/ })
  // A here-string and a << inside quotes are no heredocs.
  t.deepEqual(parseDockerfile('FROM a\nRUN cat <<<hi; echo "a<<b"\n').instructions[1]!.heredocs, [])
})

test('exec and shell forms: JSON arrays of strings are exec form, anything else shell form', (t) => {
  const df = parseDockerfile(
    'FROM a\nRUN ["/bin/bash", "-c", "echo hello"]\nRUN [ "echo", "$HOME" ]\nCMD echo "This is a test." | wc -\nENTRYPOINT [\'top\', \'-b\']\nSHELL ["powershell", "-command"]\nVOLUME ["/data"]\n',
  )
  const [, a, b, c, d, e, f] = df.instructions
  t.deepEqual(a!.json, ['/bin/bash', '-c', 'echo hello'])
  t.deepEqual(b!.json, ['echo', '$HOME'])
  t.is(c!.json, undefined)
  // Single quotes are not JSON: docker runs it as a shell command.
  t.is(d!.json, undefined)
  t.deepEqual(e!.json, ['powershell', '-command'])
  t.deepEqual(f!.json, ['/data'])
  t.throws(() => parseDockerfile('FROM a\nSHELL /bin/sh -c\n'), { message: /SHELL requires the arguments to be in JSON form/ })
})

test('flags: known ones parsed (quotes removed, repeatable), unknown ones refused as docker does', (t) => {
  const df = parseDockerfile(
    'FROM --platform=linux/amd64 a AS build\nCOPY --from=build --chown=55:mygroup --chmod=644 files* /somedir/\nRUN --mount=type=cache,target=/root/.cache --mount=type=tmpfs,target=/tmp make\nCOPY --from=build --closure /app /app\n',
  )
  const [from, copy, run, closure] = df.instructions
  t.is(flag(from!, 'platform'), 'linux/amd64')
  t.is(from!.args, 'a AS build')
  t.is(flag(copy!, 'chown'), '55:mygroup')
  t.is(flag(copy!, 'chmod'), '644')
  t.is(copy!.args, 'files* /somedir/')
  t.deepEqual(
    run!.flags.filter((f) => f.name === 'mount').map((f) => f.value),
    ['type=cache,target=/root/.cache', 'type=tmpfs,target=/tmp'],
  )
  t.is(run!.args, 'make')
  t.is(flag(closure!, 'closure'), 'true')
  t.throws(() => parseDockerfile('FROM a\nCOPY --bogus=1 a b\n'), { message: /unknown flag: bogus/ })
  t.throws(() => parseDockerfile('FROM a\nWORKDIR --from=x /a\n'), { message: /unknown flag: from/ })
})

test('instructions: unknown ones, instructions before FROM, ONBUILD and HEALTHCHECK', (t) => {
  t.throws(() => parseDockerfile('FROM a\nFOO bar\n'), { message: /line 2: unknown instruction: FOO/ })
  t.throws(() => parseDockerfile('RUN echo\nFROM a\n'), { message: /no build stage in current context/ })
  t.throws(() => parseDockerfile('ARG A\n'), { message: /no FROM/ })
  const df = parseDockerfile(
    'ARG V=1\nFROM a\nONBUILD ADD . /app/src\nONBUILD RUN /usr/local/bin/python-build --dir /app/src\nHEALTHCHECK --interval=5m --timeout=3s CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK NONE\n',
  )
  t.is(df.instructions[2]!.trigger!.keyword, 'ADD')
  t.is(df.instructions[3]!.trigger!.args, '/usr/local/bin/python-build --dir /app/src')
  t.is(flag(df.instructions[4]!, 'interval'), '5m')
  t.is(df.instructions[4]!.args, 'CMD curl -f http://localhost/ || exit 1')
  t.throws(() => parseDockerfile('FROM a\nONBUILD ONBUILD RUN x\n'), { message: /Chaining ONBUILD/ })
  t.throws(() => parseDockerfile('FROM a\nONBUILD FROM b\n'), { message: /isn't allowed as an ONBUILD trigger/ })
})

test('ENV and LABEL pairs: K=V with quotes and escapes, and the legacy K V form', (t) => {
  const df = parseDockerfile(
    'FROM a\nENV MY_NAME="John Doe"\nENV MY_DOG=Rex\\ The\\ Dog\nENV MY_CAT=fluffy\nENV MY_VAR my-value and more\nLABEL "com.example.vendor"="ACME Incorporated" version="1.0"\nLABEL multi.label1="value1" \\\n      multi.label2="value2"\n',
  )
  const pairs = df.instructions.slice(1).map((i) => keyValues(i, df.escape).map((p) => [expandWord(p.key, env({})).word, expandWord(p.value, env({})).word]))
  t.deepEqual(pairs, [
    [['MY_NAME', 'John Doe']],
    [['MY_DOG', 'Rex The Dog']],
    [['MY_CAT', 'fluffy']],
    [['MY_VAR', 'my-value and more']],
    [
      ['com.example.vendor', 'ACME Incorporated'],
      ['version', '1.0'],
    ],
    [
      ['multi.label1', 'value1'],
      ['multi.label2', 'value2'],
    ],
  ])
  t.throws(() => keyValues(parseDockerfile('FROM a\nENV ONLY\n').instructions[1]!, '\\'), { message: /must have two arguments/ })
  t.deepEqual(argDeclarations(parseDockerfile('FROM a\nARG user1=someuser buildno\n').instructions[1]!, '\\'), [
    { name: 'user1', value: 'someuser' },
    { name: 'buildno' },
  ])
})

test('substitution: $V, ${V}, ${V:-w}, ${V:+w}, ${V-w}, escapes and quotes, as the reference shows', (t) => {
  const e = env({ foo: '/bar', empty: '', abc: 'hello' })
  t.is(expandWord('${foo}', e).word, '/bar')
  t.is(expandWord('$foo', e).word, '/bar')
  t.is(expandWord('\\$foo', e).word, '$foo')
  t.is(expandWord('\\${foo}', e).word, '${foo}')
  t.is(expandWord('${foo}_bar', e).word, '/bar_bar')
  t.is(expandWord('${nope:-default}', e).word, 'default')
  t.is(expandWord('${empty:-default}', e).word, 'default')
  t.is(expandWord('${empty-default}', e).word, '')
  t.is(expandWord('${foo:+set}', e).word, 'set')
  t.is(expandWord('${nope:+set}', e).word, '')
  t.is(expandWord('${empty+set}', e).word, 'set')
  t.is(expandWord('${nope:-$abc world}', e).word, 'hello world')
  t.is(expandWord("'$foo'", e).word, '$foo')
  t.is(expandWord('"$foo bar"', e).word, '/bar bar')
  t.is(expandWord('$1 and $', e).word, '$1 and $')
  t.throws(() => expandWord('${nope:?is required}', e), { message: /nope: is required/ })
  t.throws(() => expandWord('${foo', e), { message: /missing '}'/ })
  t.throws(() => expandWord('${foo%x}', e), { message: /unsupported modifier/ })
  // Words split on unquoted blanks only; a variable's value is not split.
  t.deepEqual(expandWords('a "b c" $foo \'$x y\'', e).words, ['a', 'b c', '/bar', '$x y'])
  t.deepEqual(expandWords('${abc:+x y}', env({ abc: '1' })).words, ['x y'])
  // With the backtick escape, a backslash is an ordinary character.
  t.is(expandWord('c:\\$foo', e, '`').word, 'c:\\/bar')
  t.is(expandWord('`$foo', e, '`').word, '$foo')
  // Every name read is reported (the cache keys on the build args a step uses).
  t.deepEqual([...expandWord('${a:-$b} $c', e).used].sort(), ['a', 'b', 'c'])
})

test('.dockerignore: the reference examples, exceptions and the last match deciding', (t) => {
  const ig = new DockerIgnore('# comment\n*/temp*\n*/*/temp*\ntemp?\n')
  t.true(ig.excludes('somedir/temporary.txt'))
  t.true(ig.excludes('somedir/temp'))
  t.true(ig.excludes('somedir/subdir/temporary.txt'))
  t.true(ig.excludes('tempa'))
  t.false(ig.excludes('temp'))
  t.false(ig.excludes('temporary.txt'))
  t.false(ig.excludes('a/b/c/temp'))
  const md = new DockerIgnore('*.md\n!README*.md\nREADME-secret.md\n')
  t.true(md.excludes('CHANGES.md'))
  t.false(md.excludes('README.md'))
  t.true(md.excludes('README-secret.md'))
  const md2 = new DockerIgnore('*.md\nREADME-secret.md\n!README*.md\n')
  t.false(md2.excludes('README-secret.md'))
  // ** matches any number of directories, none included; a directory's pattern covers its contents.
  const deep = new DockerIgnore('**/*.go\n/node_modules\n./build/\n')
  t.true(deep.excludes('main.go'))
  t.true(deep.excludes('a/b/c.go'))
  t.true(deep.excludes('node_modules/x/index.js'))
  t.true(deep.excludes('build/out.o'))
  t.false(deep.excludes('src/node_modules_x'))
  const ex = new DockerIgnore('docs\n!docs/keep.md\n')
  t.true(ex.excludes('docs/other.md'))
  t.false(ex.excludes('docs/keep.md'))
  t.true(ex.mayHoldExceptions('docs'))
  t.false(ex.mayHoldExceptions('src'))
  t.false(new DockerIgnore('x\n').hasExceptions)
  // Character classes and escapes, as Go's filepath.Match.
  const cls = new DockerIgnore('file[0-9].txt\nlit\\*\n')
  t.true(cls.excludes('file3.txt'))
  t.false(cls.excludes('filex.txt'))
  t.true(cls.excludes('lit*'))
  t.false(cls.excludes('litx'))
})

test('stages: ARG before FROM feeds FROM lines, platform ARGs are predefined, names are case-insensitive', (t) => {
  const df = parseDockerfile(
    'ARG CODE_VERSION=latest\nARG BASE\nFROM base:${CODE_VERSION} AS Build\nRUN x\nFROM extras:${CODE_VERSION}\nFROM img-$TARGETARCH\nFROM ${BASE:-scratch}\n',
  )
  const plan = planStages(df, new Map([['BASE', 'custom']]), { os: 'linux', arch: 'amd64', variant: '' })
  t.deepEqual(
    plan.stages.map((s) => [s.name, s.base]),
    [
      ['build', 'base:latest'],
      [undefined, 'extras:latest'],
      [undefined, 'img-amd64'],
      [undefined, 'custom'],
    ],
  )
  t.deepEqual([...plan.stages[0]!.usedArgs], ['CODE_VERSION'])
  t.is(plan.globals.get('BASE'), 'custom')
  t.deepEqual(platformArgs({ os: 'linux', arch: 'arm64', variant: '' }).TARGETPLATFORM, 'linux/arm64')
  t.throws(() => planStages(parseDockerfile('FROM a AS x\nFROM b AS X\n'), new Map(), hostPlatform()), { message: /duplicate stage name/ })
  t.throws(() => planStages(parseDockerfile('FROM a AS\n'), new Map(), hostPlatform()), { message: /one or three arguments/ })
})

test('stages: a target needs its base chain and the stages it copies from, no others', (t) => {
  const df = parseDockerfile(
    'FROM a AS deps\nFROM a AS unused\nFROM deps AS build\nRUN --mount=type=bind,from=tools,target=/t make\nFROM a AS tools\nFROM scratch\nCOPY --from=build /app /app\nCOPY --from=0 /x /x\n',
  )
  const plan = planStages(df, new Map(), hostPlatform())
  t.deepEqual(
    neededStages(plan, undefined, '\\').needed.map((s) => s.index),
    // tools comes after build: build's from=tools names an image, as in docker.
    [0, 2, 4],
  )
  t.deepEqual(
    neededStages(plan, 'BUILD', '\\').needed.map((s) => s.name),
    ['deps', 'build'],
  )
  t.throws(() => neededStages(plan, 'nope', '\\'), { message: /target stage "nope" could not be found/ })
})
