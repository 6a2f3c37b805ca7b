// Loaded with `node --require` by cli-no-oclif.test.ts: when the process exits, writes to
// $OCLIF_PROBE whether any module of @oclif/core was loaded ("oclif") or none ("lean").
'use strict'
process.on('exit', () => {
  const loaded = Object.keys(require.cache).some((file) => file.includes('/node_modules/@oclif/core/'))
  require('node:fs').writeFileSync(process.env.OCLIF_PROBE, loaded ? 'oclif' : 'lean')
})
