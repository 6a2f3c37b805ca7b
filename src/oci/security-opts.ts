/**
 * `--security-opt` values, with docker's spellings (`key=value`, and the older `key:value`).
 */
import * as fs from 'node:fs'
import {CliError} from '../errors'
import {parseDockerProfile, type DockerSeccompProfile} from './security-seccomp'

export type SecurityOpt =
  | {kind: 'no-new-privileges'; value: boolean}
  | {kind: 'seccomp'; profile: DockerSeccompProfile | 'unconfined'}
  | {kind: 'systempaths-unconfined'}
  /** Accepted because it asks for no confinement we would apply anyway. */
  | {kind: 'no-op'; value: string}

function invalid(value: string, why: string): CliError {
  return new CliError('invalid_security_opt', `invalid --security-opt ${JSON.stringify(value)}: ${why}`)
}

export function parseSecurityOpt(value: string): SecurityOpt {
  const m = /^([a-z-]+)(?:[=:](.*))?$/s.exec(value)
  if (!m) throw invalid(value, 'expected KEY=VALUE')
  const [, key, arg] = m
  switch (key) {
    case 'no-new-privileges':
      if (arg === undefined || arg === '' || arg === 'true') return {kind: 'no-new-privileges', value: true}
      if (arg === 'false') return {kind: 'no-new-privileges', value: false}
      throw invalid(value, 'no-new-privileges takes true or false')
    case 'seccomp': {
      if (!arg) throw invalid(value, 'seccomp takes a profile file or "unconfined"')
      if (arg === 'unconfined') return {kind: 'seccomp', profile: 'unconfined'}
      let text: string
      try {
        text = fs.readFileSync(arg, 'utf8')
      } catch (e) {
        throw invalid(value, `cannot read the profile: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
      }
      return {kind: 'seccomp', profile: parseDockerProfile(text, arg)}
    }
    case 'systempaths':
      if (arg === 'unconfined') return {kind: 'systempaths-unconfined'}
      throw invalid(value, 'systempaths only takes "unconfined"')
    case 'apparmor':
      // tsc-box loads no AppArmor profile: "unconfined" is what it does already; any other
      // profile would be silently not applied, so it is refused rather than ignored.
      if (arg === 'unconfined') return {kind: 'no-op', value}
      throw invalid(value, 'tsc-box does not apply AppArmor profiles (only apparmor=unconfined is accepted)')
    case 'label':
      if (arg === 'disable') return {kind: 'no-op', value}
      throw invalid(value, 'tsc-box does not apply SELinux labels (only label=disable is accepted)')
    default:
      throw invalid(value, `unknown option ${JSON.stringify(key)} (known: no-new-privileges, seccomp, systempaths, apparmor, label)`)
  }
}
