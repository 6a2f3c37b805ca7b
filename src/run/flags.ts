/**
 * The flags of `tsc-box run` (and `create`), with docker's names and meanings. Their names,
 * short forms, types, defaults and help are rows of the command table (src/cli/commands.json),
 * like every command's; this module passes the typed conversions the table names by `parse`,
 * and says what the parsed values are for the code that uses them.
 */
import type {FlagSet} from '../cli/flags'
import {type Parsers, parserFlags, tableFlags} from '../cli/table'
import {parseRestartPolicy, type DetachFlags} from '../lifecycle/flags'
import type {NetworkFlags} from '../network/flags'
import type {ProcessLimitFlags} from '../oci/process-limits'
import type {ResourceFlags} from '../oci/resources'
import type {LabelFlags} from './container-config'
import type {SecurityFlags} from '../oci/security'
import {parseSecurityOpt} from '../oci/security-opts'
import {parseIdMap, parseUsernsMode} from '../oci/security-userns'

/** The conversions run's table rows name. */
export const runParsers: Parsers = {
  securityOpt: async (s) => parseSecurityOpt(s),
  usernsMode: parseUsernsMode,
  idMap: async (s, flag) => parseIdMap(s, flag),
  restartPolicy: async (s) => parseRestartPolicy(s),
}

/** run's own flags, as oclif's `static flags` takes them (run and create). */
export const runFlags: FlagSet = tableFlags('run', runParsers)

/** What run's parser takes: its flags, the global ones and a hidden --help. */
export const runParserFlags: FlagSet = parserFlags('run', runParsers)

/** The parsed values of run's flags. */
export interface RunFlags extends ResourceFlags, ProcessLimitFlags, Omit<SecurityFlags, 'usernsHost'>, NetworkFlags, DetachFlags, LabelFlags {
  rootfs?: string
  rm: boolean
  name?: string
  hostname?: string
  domainname?: string
  env: string[]
  'env-file': string[]
  workdir?: string
  user?: string
  entrypoint?: string
  interactive: boolean
  tty: boolean
  volume: string[]
  mount: string[]
  tmpfs: string[]
  'volumes-from': string[]
  'read-only': boolean
  init: boolean
  /** docker's --pull policy (src/image/run.ts): always, missing or never. */
  pull: string
  quiet: boolean
  root?: string
  json: boolean
  help: boolean
}
