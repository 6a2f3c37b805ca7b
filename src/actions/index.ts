/**
 * The dispatcher of the commands' actions as tsc compiled them, one module each by the
 * command's id (`network:create` is ./network/create). scripts/build-fast.js bundles the same
 * dispatcher with the actions of each bundle of the table imported by name; bin/run.js falls
 * back to this file when the bundles were not built.
 */
import * as path from 'node:path'
import type {Action} from '../cli/action'
import {dispatcher} from '../cli/dispatch'
export {reportError} from '../cli/error-output'

export const {fastCommand, jsonRequested} = dispatcher((id) => {
  const file = path.join(__dirname, ...id.split(':'))
  try {
    require.resolve(file)
  } catch {
    return undefined
  }
  return (require(file) as {default: Action}).default
})
