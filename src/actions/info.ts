/** `tsc-box info`: what this host offers containers, probed by the native binding. */
import {defineAction} from '../cli/action'
import {native} from '../native'
import {runtimePath} from '../runtime/locate'

export interface InfoResult {
  kernel: {release: string; version: string; machine: string}
  cgroup: {mode: string | null; v1Controllers: string[]; unifiedMount: string | null; unifiedControllers: string[]; error: string | null}
  namespaces: Record<string, boolean>
  userNamespaces: {supported: boolean; maxUserNamespaces: number | null; unprivilegedClone: boolean | null}
  overlayfs: boolean
  dataRoot: string
  runDir: string
  runtime: {path: string; version: string | null; error: string | null}
}

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no'
}

export default defineAction({
  async run(cmd): Promise<InfoResult> {
    const paths = cmd.paths()
    const h = native().hostInfo(runtimePath())
    const result: InfoResult = {
      kernel: h.kernel,
      cgroup: {
        mode: h.cgroup.mode ?? null,
        v1Controllers: h.cgroup.v1Controllers,
        unifiedMount: h.cgroup.unifiedMount ?? null,
        unifiedControllers: h.cgroup.unifiedControllers,
        error: h.cgroup.error ?? null,
      },
      namespaces: Object.fromEntries(h.namespaces.map((n) => [n.name, n.supported])),
      userNamespaces: {
        supported: h.userNamespaces.supported,
        maxUserNamespaces: h.userNamespaces.maxUserNamespaces ?? null,
        unprivilegedClone: h.userNamespaces.unprivilegedClone ?? null,
      },
      overlayfs: h.overlayfs,
      dataRoot: paths.dataRoot,
      runDir: paths.runDir,
      runtime: {path: h.runtime.path, version: h.runtime.version ?? null, error: h.runtime.error ?? null},
    }
    if (!cmd.json) cmd.log(render(result))
    return result
  },
})

function render(r: InfoResult): string {
  const ns = Object.entries(r.namespaces)
  const cg = r.cgroup
  const cgroupLines =
    cg.mode === null
      ? [`Cgroups:          unavailable (${cg.error})`]
      : [
          `Cgroups:          ${cg.mode}`,
          ...(cg.v1Controllers.length > 0 ? [`  v1 controllers: ${cg.v1Controllers.join(', ')}`] : []),
          ...(cg.unifiedMount !== null ? [`  v2 at ${cg.unifiedMount}: ${cg.unifiedControllers.join(', ') || '(no controllers)'}`] : []),
        ]
  return [
    `Kernel:           ${r.kernel.release} (${r.kernel.machine})`,
    ...cgroupLines,
    `Namespaces:       ${
      ns
        .filter(([, ok]) => ok)
        .map(([n]) => n)
        .join(', ') || 'none'
    }`,
    ...(ns.some(([, ok]) => !ok)
      ? [
          `  unavailable:    ${ns
            .filter(([, ok]) => !ok)
            .map(([n]) => n)
            .join(', ')}`,
        ]
      : []),
    `User namespaces:  ${yesNo(r.userNamespaces.supported)}${r.userNamespaces.maxUserNamespaces !== null ? ` (max ${r.userNamespaces.maxUserNamespaces})` : ''}`,
    `Overlayfs:        ${yesNo(r.overlayfs)}`,
    `Data root:        ${r.dataRoot}`,
    `Run directory:    ${r.runDir}`,
    `Runtime:          ${r.runtime.path} (${r.runtime.version ?? `unavailable: ${r.runtime.error}`})`,
  ].join('\n')
}
