/** `tsc-box info`: what this host offers containers (src/runtime/info.ts). */
import {defineAction} from '../cli/action'
import {hostInfo, type InfoResult} from '../runtime/info'

export type {InfoResult}

export default defineAction({
  run(cmd): InfoResult {
    const {result, text} = hostInfo(cmd.paths())
    cmd.log(text)
    return result
  },
})
