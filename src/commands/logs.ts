/**
 * `tsc-box logs [-f] [-n N] [--since T] [-t] ID`: the container's output, stdout to stdout
 * and stderr to stderr. --json: [{time, stream, log}] (without -f).
 */
import {Args} from '@oclif/core'
import * as fs from 'node:fs'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {CliError} from '../errors'
import {lifecycleFiles} from '../lifecycle/files'
import {LogParser, parseSince, readFileOr, type LogEntry} from '../lifecycle/logs'
import {resolveContainer} from '../lifecycle/resolve'
import {isActive, viewById} from '../lifecycle/state'

export default class Logs extends BaseCommand {
  static override summary = 'Fetch the logs of a container'
  static override description = 'stdout goes to stdout and stderr to stderr. With --json: an array of {time, stream (stdout|stderr), log}.'
  static override aliases = ['container:logs']
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('logs'))

  async run(): Promise<LogEntry[]> {
    const {flags, args} = await this.parse(Logs)
    const paths = this.paths(flags.root as string | undefined)
    const v = resolveContainer(paths.dataRoot, args.container as string, paths.runDir)
    const tailFlag = flags.tail as string
    if (tailFlag !== 'all' && !/^\d+$/.test(tailFlag)) throw new CliError('invalid_flag', `invalid --tail "${tailFlag}": a number or "all"`)
    const since = flags.since === undefined ? undefined : parseSince(flags.since as string)
    const files = lifecycleFiles(v.dir)
    const parser = new LogParser()
    const current = readFileOr(files.log)
    let entries = parser.push(readFileOr(`${files.log}.1`) + current)
    const keep = (e: LogEntry) => since === undefined || Date.parse(e.time) >= since
    entries = entries.filter(keep)
    if (tailFlag !== 'all') entries = entries.slice(Math.max(0, entries.length - Number(tailFlag)))
    const json = this.jsonEnabled()
    const emit = (e: LogEntry) => {
      if (json) return
      const text = flags.timestamps ? `${e.time} ${e.log}` : e.log
      ;(e.stream === 'stdout' ? process.stdout : process.stderr).write(text)
    }
    entries.forEach(emit)
    if (!flags.follow) {
      const rest = parser.flush().filter(keep)
      rest.forEach(emit)
      return [...entries, ...rest]
    }
    let offset = Buffer.byteLength(current)
    let ino = statIno(files.log)
    for (;;) {
      const active = isActive(viewById(paths.dataRoot, v.id, paths.runDir) ?? v) && viewById(paths.dataRoot, v.id, paths.runDir) !== undefined
      const nowIno = statIno(files.log)
      if (nowIno !== ino) {
        // Rotated: the rest of the old file is now .1, the new file starts at 0.
        const old = readFileOr(`${files.log}.1`)
        if (Buffer.byteLength(old) > offset) parser.push(Buffer.from(old).subarray(offset).toString()).filter(keep).forEach(emit)
        offset = 0
        ino = nowIno
      }
      const chunk = readFrom(files.log, offset)
      if (chunk.length > 0) {
        const end = chunk.lastIndexOf(0x0a) + 1
        if (end > 0) {
          parser.push(chunk.subarray(0, end).toString()).filter(keep).forEach(emit)
          offset += end
        }
      }
      if (!active && chunk.length === 0) break
      await new Promise((r) => setTimeout(r, 100))
    }
    parser.flush().filter(keep).forEach(emit)
    return entries
  }
}

function statIno(file: string): number {
  try {
    return fs.statSync(file).ino
  } catch {
    return 0
  }
}

function readFrom(file: string, offset: number): Buffer {
  try {
    const fd = fs.openSync(file, 'r')
    try {
      const size = fs.fstatSync(fd).size
      if (size <= offset) return Buffer.alloc(0)
      const buf = Buffer.alloc(size - offset)
      fs.readSync(fd, buf, 0, buf.length, offset)
      return buf
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    return Buffer.alloc(0)
  }
}
