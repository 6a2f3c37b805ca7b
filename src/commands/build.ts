/** `tsc-box build [OPTIONS] CONTEXT`: an image from a Dockerfile (src/build). */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import type {BuildResult} from '../build/builder'
import {buildCommand, pullPolicyArgv} from '../build/command'
import {tableFlags} from '../cli/table'

export default class Build extends BaseCommand {
  static override summary = 'Build an image from a Dockerfile'
  static override aliases = ['image:build']
  static override args = {
    context: Args.string({required: true, description: 'the build context: a directory'}),
  }

  static override flags = asOclifFlags(tableFlags('build'))

  async run(): Promise<BuildResult> {
    this.argv = pullPolicyArgv(this.argv)
    const {args, flags} = await this.parse(Build)
    return buildCommand(args.context, flags, this.jsonEnabled())
  }
}
