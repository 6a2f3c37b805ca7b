/**
 * The Dockerfile instructions `commit --change` and `import --change` accept (docker's list:
 * CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL), applied to
 * an image config document. Values are substituted with the image's ENV, as docker does.
 */
import * as path from 'node:path'
import {CliError} from '../errors'
import {keyValues, parseDockerfile} from './dockerfile/parse'
import {expandWord, expandWords} from './dockerfile/words'

const ALLOWED = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'USER', 'VOLUME', 'WORKDIR', 'STOPSIGNAL'])

// biome-ignore lint/suspicious/noExplicitAny: the image config is open-ended JSON
export function applyChanges(doc: Record<string, any>, changes: string[]): void {
  doc.config ??= {}
  const cfg = doc.config
  for (const change of changes) {
    const ins = parseDockerfile(`FROM scratch\n${change}\n`).instructions[1]
    if (!ins || !ALLOWED.has(ins.keyword)) throw new CliError('invalid_usage', `${change.split(/\s/)[0]} is not a valid change command`)
    const env = new Map<string, string>()
    for (const e of (cfg.Env as string[] | undefined) ?? []) {
      const i = e.indexOf('=')
      if (i > 0) env.set(e.slice(0, i), e.slice(i + 1))
    }
    const lookup = (n: string) => env.get(n)
    const word = (s: string) => expandWord(s, lookup, '\\', 1).word
    const shell = Array.isArray(cfg.Shell) ? (cfg.Shell as string[]) : ['/bin/sh', '-c']
    switch (ins.keyword) {
      case 'CMD':
      case 'ENTRYPOINT':
        cfg[ins.keyword === 'CMD' ? 'Cmd' : 'Entrypoint'] = ins.json ?? [...shell, ins.args]
        break
      case 'ENV':
        for (const p of keyValues(ins, '\\')) {
          const k = word(p.key)
          const list = ((cfg.Env as string[] | undefined) ?? []).filter((e) => !e.startsWith(`${k}=`))
          cfg.Env = [...list, `${k}=${word(p.value)}`]
        }
        break
      case 'LABEL':
        cfg.Labels = {...(cfg.Labels ?? {})}
        for (const p of keyValues(ins, '\\')) cfg.Labels[word(p.key)] = word(p.value)
        break
      case 'EXPOSE':
        cfg.ExposedPorts = {...(cfg.ExposedPorts ?? {})}
        for (const p of expandWords(ins.args, lookup).words) cfg.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {}
        break
      case 'VOLUME':
        cfg.Volumes = {...(cfg.Volumes ?? {})}
        for (const v of ins.json ?? expandWords(ins.args, lookup).words) cfg.Volumes[v] = {}
        break
      case 'USER':
        cfg.User = word(ins.args.trim())
        break
      case 'WORKDIR':
        cfg.WorkingDir = path.posix.resolve(cfg.WorkingDir || '/', word(ins.args.trim()))
        break
      case 'STOPSIGNAL':
        cfg.StopSignal = word(ins.args.trim())
        break
      case 'ONBUILD':
        cfg.OnBuild = [...(cfg.OnBuild ?? []), ins.args]
        break
    }
  }
}
