// The command table (src/cli/commands.json) is the one place a command's flags are defined:
// oclif's commands (and so oclif.manifest.json), the Node fast paths and the runtime's native
// front door (crates/runtime/build.rs) all take them from it. These tests hold every entry to
// the table: a flag defined once is accepted by each with the same meaning.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgv } from '../src/cli/argv'
import { commands, type FlagSpec, globalFlagSpecs, parserFlags } from '../src/cli/table'
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
    t.true(['native', 'fast', 'oclif'].includes(spec.entry), id)
    if (spec.entry !== 'oclif') t.truthy(spec.bundle && table.bundles[spec.bundle], `${id}: a ${spec.entry} command needs a bundle of the table`)
    t.true(spec.flags !== undefined || spec.flagsIn !== undefined, `${id}: flags or flagsIn`)
    const chars = new Set<string>()
    for (const [name, f] of Object.entries({ ...globalFlagSpecs, ...spec.flags })) {
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
  const { checkEntry, nativeCommands } = require(join(REPO, 'scripts/commands-table.js'))
  t.notThrows(() => checkEntry())
  t.regex(readFileSync(join(REPO, 'bin/run.js'), 'utf8'), new RegExp(`case \\$1 in ${nativeCommands().join('\\|')}\\)`))
})

test("oclif's manifest has each command's flags as the table defines them", (t) => {
  for (const [id, spec] of Object.entries(commands)) {
    const flags = manifest.commands[id]?.flags ?? {}
    for (const [name, f] of Object.entries({ ...globalFlagSpecs, ...spec.flags })) {
      const m = flags[name]
      t.truthy(m, `${id} --${name} is not in the manifest`)
      if (!m) continue
      t.is(m.type, f.type === 'boolean' ? 'boolean' : 'option', `${id} --${name}`)
      t.is(m.char, f.char, `${id} --${name}`)
      t.is(m.description, f.description, `${id} --${name}`)
      if (f.type !== 'boolean') t.is(m.multiple, f.multiple ?? false, `${id} --${name}`)
      t.deepEqual(m.default, f.default, `${id} --${name}`)
      t.deepEqual(m.options, f.options, `${id} --${name}`)
    }
  }
})

/** --root's value: an empty data root, where no container is found. */
const ROOT = makeDataRoot()

/** A command line that uses `flag` once: a value flag with a value, or with none at all. */
function uses(name: string, f: FlagSpec, form: 'long' | 'short', withValue: boolean): string[] {
  const tok = form === 'long' ? `--${name}` : `-${f.char}`
  if (f.type === 'boolean') return withValue ? [`--${name}=maybe`] : [tok]
  if (!withValue) return [tok]
  const value = name === 'root' ? ROOT : (f.options?.[0] ?? (f.type === 'integer' ? '3' : 'v'))
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
  const r = spawnSync(RUNTIME, ['--cli', id, '--json', ...argv, 'no-such-container', 'true'], { env: { ...process.env, TSC_BOX_ROOT: root }, encoding: 'utf8' })
  const code = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}').error?.code
  return code === 'no_such_container' ? 'ok' : (code ?? `exit ${r.status}: ${r.stderr}`)
}

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
          const expected = await nodeParse(id, tail ? argv : [...argv, 'c'])
          const got = tail ? nativeLast(id, argv) : nativeParse(id, argv)
          t.is(got, expected, `${id} ${argv.join(' ')}`)
        }
      }
    }
  }
})

/** A value flag as the very last argument: a missing value to both. */
function nativeLast(id: string, argv: string[]): string {
  const r = spawnSync(RUNTIME, ['--cli', id, '--json', ...argv], { env: { ...process.env, TSC_BOX_ROOT: makeDataRoot() }, encoding: 'utf8' })
  return JSON.parse(r.stdout.trim().split('\n').at(-1) || '{}').error?.code ?? `exit ${r.status}`
}
