/** The values of run's network flags (defined in src/cli/commands.json, helpGroup Network). */
export interface NetworkFlags {
  network?: string
  publish?: string[]
  'publish-all'?: boolean
  dns?: string[]
  'add-host'?: string[]
  ip?: string
  ip6?: string
}
