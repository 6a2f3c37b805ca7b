/**
 * The flags of `tsc-box run`, with docker's names and meanings. Feature modules contribute
 * theirs by spreading them in here (see FEATURE FLAGS below).
 */
import {Flags} from '../cli/flags'
import {rootFlag} from '../cli/global-flags'
import {flags as resourceFlags} from '../oci/resources'
import {flags as securityFlags} from '../oci/security'
import {flags as networkFlags} from '../network/flags'
import {detachFlags} from '../lifecycle/flags'

export const coreRunFlags = {
  rootfs: Flags.string({description: 'use DIR as the root filesystem instead of an image', helpValue: 'DIR'}),
  rm: Flags.boolean({description: 'remove the container when it exits'}),
  name: Flags.string({description: 'assign a name to the container'}),
  hostname: Flags.string({char: 'h', description: 'container host name (default: the short container id)'}),
  domainname: Flags.string({description: 'container NIS domain name'}),
  env: Flags.string({char: 'e', multiple: true, description: 'set environment variables (KEY=VAL, or KEY to take it from this environment)'}),
  'env-file': Flags.string({multiple: true, description: 'read in a file of environment variables', helpValue: 'FILE'}),
  workdir: Flags.string({char: 'w', description: 'working directory inside the container'}),
  user: Flags.string({char: 'u', description: 'username or UID (format: <name|uid>[:<group|gid>])'}),
  entrypoint: Flags.string({description: 'overwrite the default entrypoint'}),
  interactive: Flags.boolean({char: 'i', description: 'keep STDIN open'}),
  tty: Flags.boolean({char: 't', description: 'allocate a pseudo-TTY'}),
  volume: Flags.string({char: 'v', multiple: true, description: 'bind mount a volume (SRC:DST[:ro|rw])'}),
  'read-only': Flags.boolean({description: "mount the container's root filesystem as read only"}),
  init: Flags.boolean({description: 'run an init inside the container that forwards signals and reaps processes'}),
  root: rootFlag,
}

// FEATURE FLAGS: src/oci/resources.ts and src/oci/security.ts export `flags`; spread them here:
//   import {flags as resourceFlags} from '../oci/resources'
//   import {flags as securityFlags} from '../oci/security'
//   export const runFlags = {...coreRunFlags, ...resourceFlags, ...securityFlags}
export const runFlags = {...coreRunFlags, ...resourceFlags, ...securityFlags, ...networkFlags, ...detachFlags}

export type RunFlagSet = typeof runFlags
