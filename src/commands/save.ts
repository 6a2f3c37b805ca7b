/** `tsc-box save [-o FILE] IMAGE...`: images as an OCI archive (or docker-archive), to stdout without -o. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {CliError} from '../errors'
import {saveArchive, type ArchiveFormat} from '../image/archive'

export default class Save extends BaseCommand {
  static override summary = 'Save images to a tar archive (OCI image layout by default)'
  static override aliases = ['image:save']
  static override strict = false
  static override args = {image: Args.string({required: true, description: 'image reference, ID or digest; more may follow'})}
  static override flags = asOclifFlags(tableFlags('save'))

  async run(): Promise<{file: string; format: string; images: string[]}> {
    const {argv, flags} = await this.parse(Save)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const output = flags.output as string | undefined
    if (output === '') throw new CliError('invalid_usage', "'tsc-box save': -o needs a file name")
    // docker's rule: the archive goes to stdout unless that is a terminal.
    if (output === undefined && process.stdout.isTTY)
      throw new CliError('invalid_usage', 'cowardly refusing to save to a terminal. Use the -o flag or redirect')
    if (output === undefined && this.jsonEnabled()) throw new CliError('invalid_usage', "'tsc-box save --json' needs -o FILE: stdout carries the JSON")
    const file = output ?? '-'
    const format = flags.format as ArchiveFormat
    const images = await saveArchive(dataRoot, argv as string[], file, format)
    return {file, format, images: images.map((i) => i.id)}
  }
}
