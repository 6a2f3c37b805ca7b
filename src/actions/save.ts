/** `tsc-box save [-o FILE] IMAGE...`: images as an OCI archive (or docker-archive), to stdout without -o. */
import {defineAction} from '../cli/action'
import {CliError} from '../errors'
import {saveArchive, type ArchiveFormat} from '../image/archive'

export default defineAction({
  args: {image: {required: true, description: 'image reference, ID or digest; more may follow'}},
  strict: false,
  async run(cmd): Promise<{file: string; format: string; images: string[]}> {
    const {argv, flags} = cmd
    const dataRoot = cmd.paths().dataRoot
    const output = flags.output as string | undefined
    if (output === '') throw new CliError('invalid_usage', "'tsc-box save': -o needs a file name")
    // docker's rule: the archive goes to stdout unless that is a terminal.
    if (output === undefined && process.stdout.isTTY)
      throw new CliError('invalid_usage', 'cowardly refusing to save to a terminal. Use the -o flag or redirect')
    if (output === undefined && cmd.json) throw new CliError('invalid_usage', "'tsc-box save --json' needs -o FILE: stdout carries the JSON")
    const file = output ?? '-'
    const format = flags.format as ArchiveFormat
    const images = await saveArchive(dataRoot, argv as string[], file, format)
    return {file, format, images: images.map((i) => i.id)}
  },
})
