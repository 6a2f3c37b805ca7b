/**
 * The host-wide network directory (network definitions, leases, lock) shared by every data
 * root: bridges, subnets and host ports belong to the host, so two data roots must never hand
 * out the same address or port. TSC_BOX_NETWORK_DIR moves it (tests, several installs).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'

export function networkDir(env: NodeJS.ProcessEnv = process.env): string {
  const d = env.TSC_BOX_NETWORK_DIR
  return d && path.isAbsolute(d) ? d : '/var/lib/tsc-box/network'
}

/** Whether a user-defined network exists (the runtime keeps networks/<name>.json). */
export function networkExists(dir: string, name: string): boolean {
  return fs.existsSync(path.join(dir, 'networks', `${name}.json`))
}
