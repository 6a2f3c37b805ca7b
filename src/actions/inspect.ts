/**
 * `tsc-box inspect [--type TYPE] NAME...`: docker's inspect documents of containers, images and
 * networks as one JSON array (docs/scripting.md). bin/run.js normally hands it to the runtime's
 * native front door; both print what crates/containers/src/inspect/ renders.
 */
import {defineAction} from '../cli/action'
import {type InspectKind, inspectCommand} from '../lifecycle/inspect'

export default defineAction({
  args: {name: {required: true, description: 'container, image or network: name or ID'}},
  strict: false,
  async run(cmd): Promise<void> {
    const {flags, argv} = cmd
    const kind = (cmd.id === 'container:inspect' ? 'container' : flags.type) as InspectKind | undefined
    inspectCommand(argv as string[], {format: flags.format as string | undefined, kind, json: cmd.json}, cmd.paths())
  },
})
