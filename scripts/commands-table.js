#!/usr/bin/env node
// The shell half of bin/run.js from the command table (src/cli/commands.json): the `case`
// pattern that lists the commands the runtime's native front door answers. sh cannot read JSON
// before deciding whether to start Node at all, so the list is written into bin/run.js and
// checked here: `node scripts/commands-table.js` fails when it is stale (scripts/build-fast.js
// runs the check on every build), `--write` brings it up to date.
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const entryFile = path.join(root, 'bin', 'run.js')
const LINE = /^(':' \/\/; case "\$1 \$\{2-\}" in )([^)]*)(\) )/m

function nativeCommands(table = require(path.join(root, 'src', 'cli', 'commands.json'))) {
  return Object.entries(table.commands)
    .filter(([, spec]) => spec.entry === 'native')
    .map(([id]) => {
      // Each name goes into a sh pattern unquoted: only plain command words, one or two.
      if (!/^[a-z][a-z-]*(:[a-z][a-z-]*)?$/.test(id)) throw new Error(`${id}: a native command's name must be one or two plain words`)
      return id
    })
}

/**
 * The sh patterns of the native commands, matched against "$1 $2": a one-word command with
 * anything after it, a two-word one (`network:ls`, typed `network ls`) alone or followed by more.
 */
function patterns(commands) {
  return commands.flatMap((id) => {
    const words = id.split(':').join('\\ ')
    return id.includes(':') ? [words, `${words}\\ *`] : [`${words}\\ *`]
  })
}

/** bin/run.js's text with its native list set from the table. */
function withNativeLine(text, commands = nativeCommands()) {
  if (!LINE.test(text)) throw new Error(`${entryFile}: no "case "$1 \${2-}" in ...)" line to update`)
  return text.replace(LINE, (_, head, _old, tail) => `${head}${patterns(commands).join('|')}${tail}`)
}

/** Throws when bin/run.js's native list is not the table's. */
function checkEntry() {
  const text = fs.readFileSync(entryFile, 'utf8')
  if (withNativeLine(text) !== text)
    throw new Error('bin/run.js: its native commands are not those of src/cli/commands.json: run node scripts/commands-table.js --write')
}

module.exports = {nativeCommands, patterns, withNativeLine, checkEntry}

if (require.main === module) {
  try {
    if (process.argv.includes('--write')) fs.writeFileSync(entryFile, withNativeLine(fs.readFileSync(entryFile, 'utf8')))
    else checkEntry()
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
