/** `tsc-box login REGISTRY`: check credentials against a registry and store them (0600). */
import {defineAction} from '../cli/action'
import * as fs from 'node:fs'
import {CliError} from '../errors'
import {authFile, storeCredentials} from '../image/registry/auth'
import {RegistryClient} from '../image/registry/client'

export default defineAction({
  args: {registry: {required: true, description: 'registry host[:port], e.g. localhost:5000'}},
  async run(cmd): Promise<{registry: string; username: string; authFile: string}> {
    const {args, flags} = cmd
    const dataRoot = cmd.paths().dataRoot
    const username = flags.username as string | undefined
    let password = flags.password as string | undefined
    if (flags['password-stdin']) password = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '')
    if (!username || password === undefined || password === '')
      throw new CliError('invalid_usage', "'tsc-box login' needs -u USER and -p PASSWORD or --password-stdin")
    const registry = args.registry.replace(/^https?:\/\//, '').replace(/\/+$/, '')
    const client = new RegistryClient(registry, 'login-check', {
      dataRoot,
      tlsVerify: flags['tls-verify'] === undefined ? undefined : flags['tls-verify'] === 'true',
      credentials: {username, password},
    })
    await client.ping()
    storeCredentials(dataRoot, registry, {username, password})
    if (!cmd.json) cmd.log('Login Succeeded')
    return {registry, username, authFile: authFile(dataRoot)}
  },
})
