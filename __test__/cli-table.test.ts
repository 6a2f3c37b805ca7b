// The command table (src/cli/commands.json) is the one place a command's flags are defined:
// oclif's commands (and so oclif.manifest.json), the Node fast paths and the runtime's native
// front door (crates/runtime/build.rs) all take them from it. These tests hold every entry to
// the table: a flag defined once is accepted by each with the same meaning.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgv } from '../src/cli/argv'
import { commands, type FlagSpec, flagSpecs, globalFlagSpecs, parserFlags, tableFlags } from '../src/cli/table'
import { CliError } from '../src/errors'
import { makeDataRoot, REPO, RUNTIME } from './helpers/cli'

// biome-ignore lint/suspicious/noExplicitAny: the manifest is oclif's JSON
const manifest: { commands: Record<string, { flags: Record<string, any> }> } = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8'))
const table = JSON.parse(readFileSync(join(REPO, 'src/cli/commands.json'), 'utf8'))

test('every oclif command is in the table, and every command of the table is an oclif command', (t) => {
  t.deepEqual(Object.keys(commands).sort(), Object.keys(manifest.commands).sort())
})

test('the table is well formed: entries, bundles, types, one-letter chars used once per command', (t) => {
  for (const [id, spec] of Object.entries(commands)) {
    t.true(['native', 'fast'].includes(spec.entry), id)
    t.truthy(spec.bundle && table.bundles[spec.bundle], `${id}: every command needs a bundle of the table (cli-no-oclif.test.ts)`)
    t.true((spec.flags === undefined) !== (spec.flagsOf === undefined), `${id}: flags or flagsOf`)
    if (spec.flagsOf !== undefined) t.truthy(commands[spec.flagsOf]?.flags, `${id}: flagsOf names a command with flags`)
    const chars = new Set<string>()
    for (const [name, f] of Object.entries({ ...globalFlagSpecs, ...flagSpecs(id) })) {
      t.true(['boolean', 'string', 'integer'].includes(f.type), `${id} --${name}`)
      if (f.char === undefined) continue
      t.regex(f.char, /^[a-zA-Z]$/, `${id} --${name}`)
      t.false(chars.has(f.char), `${id}: -${f.char} twice`)
      chars.add(f.char)
    }
  }
  for (const entry of Object.values(table.bundles) as string[]) t.true(existsSync(join(REPO, entry)), entry)
})

test("bin/run.js's shell line lists exactly the table's native commands", (t) => {
  const { checkEntry, nativeCommands, patterns } = require(join(REPO, 'scripts/commands-table.js'))
  t.notThrows(() => checkEntry())
  t.true(readFileSync(join(REPO, 'bin/run.js'), 'utf8').includes(`case "$1 \${2-}" in ${patterns(nativeCommands()).join('|')})`))
  // A two-word command is matched as its two words, alone or with more after them.
  t.deepEqual(patterns(['ps', 'network:ls']), ['ps\\ *', 'network\\ ls', 'network\\ ls\\ *'])
})

test("oclif's manifest has each command's flags as the table defines them", (t) => {
  for (const id of Object.keys(commands)) {
    const flags = manifest.commands[id]?.flags ?? {}
    t.deepEqual(Object.keys(flags).sort(), Object.keys({ ...globalFlagSpecs, ...flagSpecs(id) }).sort(), `${id}: the manifest has the table's flags, no others`)
    for (const [name, f] of Object.entries({ ...globalFlagSpecs, ...flagSpecs(id) })) {
      const m = flags[name]
      t.truthy(m, `${id} --${name} is not in the manifest`)
      if (!m) continue
      t.is(m.type, f.type === 'boolean' ? 'boolean' : 'option', `${id} --${name}`)
      t.is(m.char, f.char, `${id} --${name}`)
      t.is(m.description, f.description, `${id} --${name}`)
      if (f.type !== 'boolean') t.is(m.multiple, f.multiple ?? false, `${id} --${name}`)
      t.deepEqual(m.default, f.default, `${id} --${name}`)
      t.deepEqual(m.options, f.options, `${id} --${name}`)
      t.is(m.helpValue, f.helpValue, `${id} --${name}`)
      t.is(m.helpGroup, f.helpGroup, `${id} --${name}`)
      t.is(m.env, f.env, `${id} --${name}`)
      t.is(m.hidden, f.hidden, `${id} --${name}`)
    }
  }
})

test("run, create and network create take their flags from the table: one row each, create sharing run's", (t) => {
  t.is(commands.create?.flagsOf, 'run')
  const run = flagSpecs('run')
  // A sample of each group the rows came from (src/run, src/oci, src/network, src/lifecycle).
  for (const name of ['rootfs', 'env', 'memory', 'cpu-shares', 'cap-add', 'security-opt', 'userns', 'uidmap', 'network', 'publish', 'detach', 'restart'])
    t.truthy(run[name], name)
  t.like(run.publish, { type: 'string', char: 'p', multiple: true, helpGroup: 'Network' })
  t.like(run.restart, { default: 'no', parse: 'restartPolicy' })
  t.like(run['no-start'], { type: 'boolean', hidden: true })
  t.deepEqual(manifest.commands.create?.flags, manifest.commands.run?.flags)
  const net = flagSpecs('network:create')
  t.like(net.subnet, { multiple: true, multipleNonGreedy: true })
  t.like(net.mtu, { type: 'integer' })
  // oclif's parser reads multipleNonGreedy from the flag object: --subnet X NAME leaves NAME alone.
  t.true((tableFlags('network:create').subnet as { multipleNonGreedy?: boolean }).multipleNonGreedy)
})

test('a parser the table names must be passed, and only those', (t) => {
  t.throws(() => tableFlags('run'), { message: /names the parser/ })
  t.throws(() => tableFlags('pull', { nope: async (s) => s }), { message: /no flag of pull names the parser nope/ })
})

test("run's parsed values: lists for repeatable flags, defaults, and the typed conversions the table names", async (t) => {
  const { runParserFlags } = await import('../src/run/flags')
  const { flags } = await parseArgv(['--rootfs', '/r', 'true'], runParserFlags, 'run')
  for (const [name, f] of Object.entries(flagSpecs('run'))) {
    const v = (flags as Record<string, unknown>)[name]
    if (f.multiple) t.deepEqual(v, [], name)
    else if (f.type === 'boolean') t.is(v, f.default ?? false, name)
    else if (name !== 'rootfs' && f.env === undefined) t.is(v, f.default, name)
  }
  const parsed = await parseArgv(
    ['--uidmap', '0:100000:10', '--gidmap', '0:200000:10', '--userns', 'auto', '--security-opt', 'no-new-privileges', '--restart', 'on-failure:3', 'x'],
    runParserFlags,
    'run',
  )
  t.deepEqual(parsed.flags.uidmap, [{ containerID: 0, hostID: 100000, size: 10 }])
  t.deepEqual(parsed.flags.gidmap, [{ containerID: 0, hostID: 200000, size: 10 }])
  t.is(parsed.flags.userns, 'auto')
  t.is(parsed.flags.restart, 'on-failure:3')
  t.is((parsed.flags['security-opt'] as unknown[]).length, 1)
  const refused = async (argv: string[]) => {
    const e = await t.throwsAsync(parseArgv([...argv, 'x'], runParserFlags, 'run'), { instanceOf: CliError })
    return `${e?.code}: ${e?.message}`
  }
  // Each parser is told its flag's name, so the error names the flag the user typed.
  t.regex(await refused(['--gidmap', 'a:b']), /^invalid_userns: invalid --gidmap/)
  t.regex(await refused(['--uidmap', 'a:b']), /^invalid_userns: invalid --uidmap/)
  t.regex(await refused(['--userns', 'private']), /^invalid_userns: --userns=private/)
  t.regex(await refused(['--restart', 'sometimes']), /^invalid_restart_policy/)
  t.regex(await refused(['--security-opt', 'bogus']), /^invalid_security_opt/)
})

test('every resource row of run (help group Resources) counts as a resource flag', async (t) => {
  const { hasResourceFlags } = await import('../src/oci/resources')
  const rows = Object.entries(flagSpecs('run')).filter(([, f]) => f.helpGroup === 'Resources')
  t.true(rows.length >= 12)
  for (const [name] of rows) t.true(hasResourceFlags({ [name]: '1' }), name)
  t.false(hasResourceFlags({}))
})

/** --root's value: an empty data root, where no container is found. */
const ROOT = makeDataRoot()

/** A command line that uses `flag` once: a value flag with a value, or with none at all. */
function uses(name: string, f: FlagSpec, form: 'long' | 'short', withValue: boolean): string[] {
  const tok = form === 'long' ? `--${name}` : `-${f.char}`
  if (f.type === 'boolean') return withValue ? [`--${name}=maybe`] : [tok]
  if (!withValue) return [tok]
  // A value each command accepts (label= is a filter key of every list): parsing is what is
  // compared, not what the value means.
  const value = name === 'root' ? ROOT : name === 'filter' ? 'label=x' : (f.options?.[0] ?? (f.type === 'integer' ? '3' : 'v'))
  return form === 'long' ? [`${tok}=${value}`] : [tok, value]
}

/** The Node parser's answer: the error code, or 'ok'. */
async function nodeParse(id: string, argv: string[]): Promise<string> {
  try {
    await parseArgv(argv, parserFlags(id), id)
    return 'ok'
  } catch (e) {
    if (e instanceof CliError) return e.code
    throw e
  }
}

/** The native front door's: its --json error code, `ok` when it got as far as the container. */
function nativeParse(id: string, argv: string[]): string {
  const root = makeDataRoot()
  // A command of containers gets one that does not exist; one without arguments (ps) none.
  const tail = TAKES_NO_ARGS.has(id) ? [] : TAKES_ONE_ARG.has(id) ? ['no-such-container'] : (ARGS_OF[id] ?? ['no-such-container', 'true'])
  const r = spawnSync(RUNTIME, ['--cli', ...id.split(':'), '--json', ...argv, ...tail], { env: { ...process.env, TSC_BOX_ROOT: root }, encoding: 'utf8' })
  if (TAKES_NO_ARGS.has(id) && r.status === 0) return 'ok'
  const code = JSON.parse(r.stdout.trim().split('\n').at(-1) || '{}').error?.code
  // inspect finds nothing of any type: docker's "No such object"; load, no archive there.
  return code === 'no_such_container' || code === 'no_such_object' || code === 'archive_io' ? 'ok' : (code ?? `exit ${r.status}: ${r.stderr}`)
}

/** Native commands that take no positional arguments. */
const TAKES_NO_ARGS = new Set(['ps', 'images', 'info', 'network:ls', 'volume:ls'])
/** Native commands whose arguments have a shape of their own. */
const ARGS_OF: Record<string, string[]> = {
  cp: ['no-such-container:/x', '/tmp'],
  // From a file (stdin goes to Node); a --input under test comes first, and the last one wins.
  load: ['--input', '/nonexistent/archive.tar'],
}
/** Native commands that take exactly one container. */
const TAKES_ONE_ARG = new Set(['logs', 'top'])

const native = Object.entries(commands).filter(([, s]) => s.entry === 'native')

test('each flag of a native command means the same to the native front door and the Node fast path', async (t) => {
  if (!existsSync(RUNTIME)) {
    t.fail(`no runtime at ${RUNTIME}: build it with npm run build:runtime`)
    return
  }
  t.true(native.length > 0)
  for (const [id, spec] of native) {
    for (const [name, f] of Object.entries({ ...spec.flags, ...globalFlagSpecs })) {
      if (name === 'help') continue // both hand --help to oclif
      for (const form of f.char ? (['long', 'short'] as const) : (['long'] as const)) {
        for (const withValue of [true, false]) {
          const argv = uses(name, f, form, withValue)
          // Without a value, a value flag takes the next argument: only the last position tells.
          const tail = f.type !== 'boolean' && !withValue
          const expected = await nodeParse(id, tail || TAKES_NO_ARGS.has(id) ? argv : [...argv, 'c'])
          const got = tail ? nativeLast(id, argv) : nativeParse(id, argv)
          t.is(got, expected, `${id} ${argv.join(' ')}`)
        }
      }
    }
  }
})

/** A value flag as the very last argument: a missing value to both. */
function nativeLast(id: string, argv: string[]): string {
  const r = spawnSync(RUNTIME, ['--cli', ...id.split(':'), '--json', ...argv], { env: { ...process.env, TSC_BOX_ROOT: makeDataRoot() }, encoding: 'utf8' })
  return JSON.parse(r.stdout.trim().split('\n').at(-1) || '{}').error?.code ?? `exit ${r.status}`
}
