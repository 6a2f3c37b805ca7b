import {CliError} from '../../errors'

/** A Dockerfile docker would refuse: said as docker says it, with the line. */
export class DockerfileError extends CliError {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super('build_dockerfile', line > 0 ? `dockerfile parse error on line ${line}: ${detail}` : `dockerfile parse error: ${detail}`)
  }
}
