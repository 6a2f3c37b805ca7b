/**
 * `tsc-box build`: a Dockerfile's stages built step by step over the image store.
 *
 * Each stage's state is its layers (in the store, unpacked) and its image config. RUN runs in
 * a real container made by `tsc-box run` itself (same bundle, security defaults, network and
 * overlay code; a child process so that its output goes where the build's progress goes) over
 * an image of the stage's layers so far; the container's upper directory becomes the step's
 * layer (crates/image layer::from_upper) and the container is removed. COPY and ADD copy into
 * an overlay of the stage's layers mounted for the step, whose upper becomes the layer. Every
 * step that makes a layer is recorded as an image (untagged, like docker's intermediate images)
 * so that the next RUN can start from it and the cache can reuse it.
 *
 * The cache (src/build/cache.ts) keys each step on its parent, the instruction after
 * substitution, the build args it uses and, for COPY/ADD, the content of what it reads.
 */
import {AsyncLocalStorage} from 'node:async_hooks'
import {spawn, spawnSync} from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as readline from 'node:readline'
import {CliError} from '../errors'
import type {ErrorCode} from '../generated/error-codes'
import {callAsync, call, type ImageSummary} from '../image/native'
import {normalizeReference} from '../image/reference'
import {claimImage, type PlannedRootfs, planImageRootfs, releaseOverlayDir} from '../image/rootfs'
import {findImage, imagesRoot} from '../image/store'
import {HOST_PREFIX, hostImage} from '../image/host'
import {storeStatic, containers} from '../container/store'
import {removeContainer} from '../container/bundle'
import {currentPathEnv, resolvePaths} from '../paths'
import {cliCommand, requireRuntime} from '../runtime/locate'
import {hasSubordinateRanges, rootlessMapArgs} from '../container/rootless-maps'
import {decodeJob, encodeJob, type NamespaceJob, nsWorkerPath} from './ns-job'
import {BuildCache, stepKey} from './cache'
import {cleanSource, copyInto, copyPathWithLinks, ensureDirInRoot, findSources, hashSources, hasWildcard, writeFileInto, type Source} from './copy'
import {DockerIgnore} from './dockerignore'
import {downloadSource, isUrl, parseChecksum} from './fetch-url'
import {type Instruction, argDeclarations, flag, keyValues, parseDockerfile} from './dockerfile/parse'
import {DockerfileError} from './dockerfile/errors'
import {expandWord, expandWords, type Lookup} from './dockerfile/words'
import {hostPlatform, neededStages, planStages, platformArgs, platformString, PROXY_ARGS, stageDeps, stageRef, type Stage} from './stages'

export interface BuildOptions {
  /** The --root flag as given (passed to the `run` of each RUN step). */
  root?: string
  context: string
  file?: string
  /** The Dockerfile's text when `-f -`. */
  dockerfileText?: string
  tags: string[]
  buildArgs: Map<string, string>
  target?: string
  noCache: boolean
  pull: 'always' | 'missing' | 'never'
  network?: string
  labels: Record<string, string>
  quiet: boolean
  json: boolean
  platform?: string
  /** SOURCE_DATE_EPOCH: times in layers clamped, `created` fixed. */
  epoch?: number
  /** --secret id=ID,src=FILE: files RUN --mount=type=secret mounts, never in a layer. */
  secrets?: Map<string, string>
  /** --add-host HOST:IP for RUN steps. */
  addHosts?: string[]
  /** RUN steps' /dev/shm size and resource limits (`run`'s --shm-size and --ulimit). */
  shmSize?: string
  ulimits?: string[]
}

export interface BuildResult {
  id: string
  digest: string
  tags: string[]
}

export type BuildEvent =
  | {event: 'step'; step: number; stage: string; instruction: string}
  | {event: 'cached'; step: number}
  | {event: 'output'; step: number; stream: 'stdout' | 'stderr'; line: string}
  | {event: 'done'; step: number; seconds: number; layer?: string}
  | {event: 'warning'; message: string}

export interface LayerRef {
  digest: string
  size: number
  mediaType: string
  diffId: string
  /** The unpacked layer directory. */
  path: string
}

interface History {
  created?: string
  created_by?: string
  comment?: string
  empty_layer?: boolean
}

// biome-ignore lint/suspicious/noExplicitAny: the image config is open-ended JSON
type ConfigDoc = Record<string, any>

/** Where a step is: its stage, its number in it, the build's global ARGs and context. */
export interface StepContext {
  name: string
  n: number
  total: number
  globals: Map<string, string | undefined>
  context: string
  stages: Stage[]
  stage: Stage
}

/** What a build's worker in a user namespace says, one JSON line each (stepInNamespace). */
export type WorkerMessage = BuildEvent | {planned: string} | {done: {state: StageState; usedBuildArgs: string[]}} | {error: {code: ErrorCode; message: string}}

export interface StageState {
  layers: LayerRef[]
  /** The whole image config document (config, history, rootfs...). */
  doc: ConfigDoc
  /** The image in the store whose layers are `layers` (undefined: none yet, e.g. scratch). */
  image?: ImageSummary
  /** The cache key of the last step. */
  key: string
  /** ARGs declared in this stage, with their values. */
  args: Map<string, string | undefined>
  shell: string[]
}

const DEFAULT_SHELL = ['/bin/sh', '-c']
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z')
}

function envMap(doc: ConfigDoc): Map<string, string> {
  const m = new Map<string, string>()
  for (const e of (doc.config?.Env as string[] | undefined) ?? []) {
    const i = e.indexOf('=')
    if (i > 0) m.set(e.slice(0, i), e.slice(i + 1))
  }
  return m
}

function setEnv(doc: ConfigDoc, key: string, value: string): void {
  doc.config ??= {}
  const env: string[] = (doc.config.Env as string[] | undefined) ?? []
  const i = env.findIndex((e) => e.startsWith(`${key}=`))
  if (i >= 0) env[i] = `${key}=${value}`
  else env.push(`${key}=${value}`)
  doc.config.Env = env
}

function layersOf(image: ImageSummary): LayerRef[] {
  return image.layers.map((l) => ({digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: l.diffId, path: l.path}))
}

export class Builder {
  private readonly dataRoot: string
  private readonly store: string
  private readonly cache: BuildCache
  private readonly platform = hostPlatform()
  private readonly events: (e: BuildEvent) => void
  /** Steps started so far (each step's number is the count when it started). */
  private counter = 0
  /** The step an async path works for: stages build in parallel, so it is not one field. */
  private readonly stepCtx = new AsyncLocalStorage<number>()
  private readonly stageResults = new Map<number, StageState>()
  private ignore?: DockerIgnore
  private escape = '\\'
  private createdTime: string
  private readonly usedBuildArgs = new Set<string>()
  private aborted = false
  /** The `tsc-box` children running (a RUN step's `run`, a pull), with their step's container. */
  private readonly children = new Map<ReturnType<typeof spawn>, string | undefined>()
  /** The container of each RUN step in progress, by step. */
  private readonly stepContainers = new Map<number, string>()
  /**
   * Without root, RUN steps are rootless containers and the steps that write files themselves
   * (COPY, ADD, WORKDIR) run in a user namespace with the user's subordinate ids
   * (src/build/ns-worker.ts), where overlays may be mounted and copied files get the
   * container's owners.
   */
  private readonly rootless = (process.getuid?.() ?? 0) !== 0
  /** This builder is the worker in that namespace, doing one step for the build. */
  private inNamespace = false
  /** The text of the .dockerignore in use (the worker parses it again). */
  private ignoreText?: string
  /** Told each overlay directory this builder plans (the worker tells the build, which removes leftovers). */
  private onPlanned?: (dir: string) => void

  private get step(): number {
    return this.stepCtx.getStore() ?? this.counter
  }

  /**
   * Ctrl-C: the step's container is stopped (its `tsc-box run` gets the signal and passes it
   * on), the step's cleanup runs, and the build stops before its next step.
   */
  abort(signal: NodeJS.Signals = 'SIGINT'): void {
    if (this.aborted) return
    this.aborted = true
    for (const [child, name] of this.children) {
      child.kill(signal)
      // A step's process that ignores the signal (a container's pid 1 without a handler does)
      // is killed a moment later, through the same CLI.
      setTimeout(() => {
        if (this.children.has(child) && name !== undefined) {
          const bin = [path.resolve(__dirname, '../../bin/run.js'), path.resolve(__dirname, '../../../bin/run.js')].find((p) => fs.existsSync(p))!
          spawn(process.execPath, [bin, 'kill', ...(this.opts.root ? ['--root', this.opts.root] : []), '-s', 'KILL', name], {stdio: 'ignore'})
        }
      }, 1000).unref()
    }
  }

  private checkAborted(): void {
    if (this.aborted) throw new CliError('build_failed', 'the build was interrupted')
  }

  constructor(
    private readonly opts: BuildOptions,
    events: (e: BuildEvent) => void,
  ) {
    this.dataRoot = resolvePaths(opts.root, currentPathEnv()).dataRoot
    this.store = imagesRoot(this.dataRoot)
    this.cache = new BuildCache(this.dataRoot)
    this.events = events
    this.createdTime = opts.epoch !== undefined ? rfc3339(opts.epoch) : new Date().toISOString()
  }

  private now(): string {
    return this.opts.epoch !== undefined ? this.createdTime : new Date().toISOString()
  }

  async build(): Promise<BuildResult> {
    const {opts} = this
    if (opts.platform !== undefined && opts.platform !== platformString(this.platform) && opts.platform !== `${this.platform.os}/${this.platform.arch}`)
      throw new CliError('build_context', `--platform ${opts.platform}: tsc-box builds for the host's platform only (${platformString(this.platform)})`)
    const contextStat = fs.statSync(opts.context, {throwIfNoEntry: false})
    if (!contextStat?.isDirectory()) throw new CliError('build_context', `unable to prepare context: path "${opts.context}" not found`)
    const context = fs.realpathSync(opts.context)
    const {text, file} = this.readDockerfile(context)
    const df = parseDockerfile(text)
    this.escape = df.escape
    for (const w of df.warnings) this.events({event: 'warning', message: w})
    this.ignore = this.readIgnore(context, file)
    const plan = planStages(df, opts.buildArgs, this.platform)
    const {target, needed} = neededStages(plan, opts.target, df.escape)
    // Each stage starts once the stages it reads are built: independent stages in parallel.
    const building = new Map<number, Promise<void>>()
    for (const stage of needed) {
      const deps = stageDeps(plan, stage, df.escape).map((d) => building.get(d.index)!)
      const done = Promise.all(deps).then(async () => {
        this.stageResults.set(stage.index, await this.buildStage(stage, plan.stages, plan.globals, context))
      })
      // The first failure stops the others (their steps' containers too) before it is reported.
      done.catch(() => this.abort())
      building.set(stage.index, done)
    }
    const outcomes = await Promise.allSettled(building.values())
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected' && !isInterruption(o.reason))
    const anyFailure = failed ?? outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
    if (anyFailure) throw anyFailure.reason
    const final = this.stageResults.get(target.index)!
    for (const a of opts.buildArgs.keys()) {
      if (!this.usedBuildArgs.has(a) && !plan.globals.has(a) && !PROXY_ARGS.includes(a))
        this.events({event: 'warning', message: `[Warning] One or more build-args [${a}] were not consumed`})
    }
    return this.finish(final)
  }

  private readDockerfile(context: string): {text: string; file?: string} {
    if (this.opts.dockerfileText !== undefined) return {text: this.opts.dockerfileText}
    let file = this.opts.file
    if (file === undefined) {
      file = path.join(context, 'Dockerfile')
      if (!fs.existsSync(file) && fs.existsSync(path.join(context, 'Containerfile'))) file = path.join(context, 'Containerfile')
    }
    try {
      return {text: fs.readFileSync(file, 'utf8'), file}
    } catch (e) {
      throw new CliError(
        'build_context',
        `failed to read dockerfile: open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
      )
    }
  }

  private readIgnore(context: string, dockerfile: string | undefined): DockerIgnore | undefined {
    const candidates = [...(dockerfile ? [`${dockerfile}.dockerignore`] : []), path.join(context, '.dockerignore')]
    for (const c of candidates) {
      try {
        this.ignoreText = fs.readFileSync(c, 'utf8')
        return new DockerIgnore(this.ignoreText)
      } catch {
        // none there
      }
    }
    return undefined
  }

  private async baseState(stage: Stage, stages: Stage[]): Promise<StageState> {
    const ref = stageRef(stages, stage.base, stage.index)
    if (ref) {
      const s = this.stageResults.get(ref.index)
      if (!s) throw new CliError('build_failed', `stage ${ref.name ?? ref.index} was not built`)
      return {...s, doc: structuredClone(s.doc), args: new Map(), layers: [...s.layers]}
    }
    if (stage.base === 'scratch') {
      const doc: ConfigDoc = {
        architecture: this.platform.arch,
        os: this.platform.os,
        config: {Env: [DEFAULT_PATH]},
        rootfs: {type: 'layers', diff_ids: []},
        history: [],
      }
      return {layers: [], doc, key: stepKey(['scratch']), args: new Map(), shell: DEFAULT_SHELL}
    }
    const image = await this.findOrPull(stage.base, stage.from)
    const details = call((n) => n.imageInspect(this.store, image.digest))
    const doc = JSON.parse(details.config) as ConfigDoc
    doc.config ??= {}
    const shell = Array.isArray(doc.config.Shell) ? (doc.config.Shell as string[]) : DEFAULT_SHELL
    doc.history ??= []
    return {layers: layersOf(image), doc, image, key: stepKey(['image', image.id]), args: new Map(), shell}
  }

  private async findOrPull(name: string, from: Instruction): Promise<ImageSummary> {
    // host:PATH: a minimal image of a host binary and its libraries (as `run host:PATH`).
    if (name.startsWith(HOST_PREFIX)) return (await hostImage(this.dataRoot, name)).image
    let found: ImageSummary | undefined
    try {
      found = this.opts.pull === 'always' ? undefined : findImage(this.dataRoot, name)
    } catch (e) {
      throw new DockerfileError(from.line, `invalid reference format: ${(e as Error).message}`)
    }
    if (found) return found
    if (this.opts.pull === 'never') throw new CliError('image_not_found', `pull access denied for ${name}: the image is not in the store and --pull=never`)
    await this.runChild(['pull', name], 0)
    const pulled = findImage(this.dataRoot, name)
    if (!pulled) throw new CliError('image_not_found', `unable to find image '${name}'`)
    return pulled
  }

  private lookupFor(state: StageState): Lookup {
    const env = envMap(state.doc)
    return (n) => {
      // An ENV of the stage wins over an ARG of the same name, as in docker.
      if (env.has(n)) return env.get(n)
      if (state.args.has(n)) {
        this.usedBuildArgs.add(n)
        return state.args.get(n)
      }
      return undefined
    }
  }

  private argValues(state: StageState, used: Set<string>): [string, string][] {
    const env = envMap(state.doc)
    return [...used]
      .filter((n) => !env.has(n) && state.args.has(n) && state.args.get(n) !== undefined)
      .sort()
      .map((n) => [n, state.args.get(n)!])
  }

  private async buildStage(stage: Stage, stages: Stage[], globals: Map<string, string | undefined>, context: string): Promise<StageState> {
    const name = stage.name ?? String(stage.index)
    const total = stage.instructions.length + 1
    this.checkAborted()
    const first = this.startStep(name, 1, total, stage.from.original)
    let state = await this.stepCtx.run(first, async () => {
      const t0 = Date.now()
      const base = await this.baseState(stage, stages)
      base.key = stepKey([base.key, ...[...stage.usedArgs].sort().map((a) => `${a}=${globals.get(a) ?? ''}`)])
      this.doneStep(t0)
      return base
    })
    // ONBUILD triggers of the base run first, in order, then are dropped from the config.
    const triggers = (state.doc.config?.OnBuild as string[] | null | undefined) ?? []
    if (state.doc.config) state.doc.config.OnBuild = null
    const instructions = [...triggers.map((t) => parseDockerfile(`FROM scratch\n${t}\n`).instructions[1]!), ...stage.instructions]
    let n = 1
    for (const ins of instructions) {
      n++
      this.checkAborted()
      const step = this.startStep(name, n, total + triggers.length, ins.original)
      const prev = state
      state = await this.stepCtx.run(step, () => this.runStep(prev, ins, {name, n, total: total + triggers.length, globals, context, stages, stage}))
    }
    return state
  }

  private startStep(stage: string, n: number, total: number, text: string): number {
    const step = ++this.counter
    this.events({event: 'step', step, stage: `${stage} ${n}/${total}`, instruction: text})
    return step
  }

  private doneStep(t0: number, layer?: string): void {
    this.events({event: 'done', step: this.step, seconds: (Date.now() - t0) / 1000, layer})
  }

  private history(state: StageState, createdBy: string, empty: boolean): void {
    const h: History = {created: this.now(), created_by: createdBy, comment: 'buildkit.dockerfile.v0'}
    if (empty) h.empty_layer = true
    state.doc.history = [...((state.doc.history as History[] | undefined) ?? []), h]
  }

  private async runStep(prev: StageState, ins: Instruction, ctx: StepContext): Promise<StageState> {
    if (!this.rootless || this.inNamespace) return this.stepHere(prev, ins, ctx)
    // Rootless: as far as the user may go (a cache hit of a COPY from the context costs no
    // worker), then in the user namespace when the step must mount or write (needRoot).
    try {
      return await this.stepHere(prev, ins, ctx)
    } catch (e) {
      if (!(e instanceof NeedsNamespace)) throw e
    }
    return this.stepInNamespace(prev, ins, ctx)
  }

  /** Rootless, outside the worker: a step that must mount or write files goes to it (runStep). */
  private needRoot(): void {
    if (this.rootless && !this.inNamespace) throw new NeedsNamespace()
  }

  private async stepHere(prev: StageState, ins: Instruction, ctx: StepContext): Promise<StageState> {
    const t0 = Date.now()
    const state: StageState = {...prev, doc: structuredClone(prev.doc), args: new Map(prev.args), layers: [...prev.layers]}
    const lookup = this.lookupFor(state)
    const esc = this.escape
    const word = (s: string) => expandWord(s, lookup, esc, ins.line)
    const used = new Set<string>()
    const sub = (s: string) => {
      const r = word(s)
      for (const u of r.used) used.add(u)
      return r.word
    }
    state.doc.config ??= {}
    const cfg = state.doc.config as ConfigDoc
    const metadata = (createdBy: string, keyText: string) => {
      state.key = stepKey([prev.key, keyText])
      // Cached too, with its history entry: a rebuild's config (its `created` times included)
      // is the first build's, so a fully cached build is the same image.
      const hit = this.opts.noCache ? undefined : this.cache.get(state.key)
      if (hit) state.doc = hit.doc
      else {
        this.history(state, createdBy, true)
        this.cache.put(state.key, {image: state.image?.digest, doc: state.doc})
      }
      this.doneStep(t0)
      return state
    }
    switch (ins.keyword) {
      case 'ENV': {
        // Every value of one ENV sees the environment from before it (docker's rule).
        const pairs = keyValues(ins, esc).map((p) => [sub(p.key), sub(p.value)] as const)
        for (const [k, v] of pairs) setEnv(state.doc, k, v)
        const text = pairs.map(([k, v]) => `${k}=${v}`).join(' ')
        return metadata(`ENV ${text}`, `ENV ${JSON.stringify(pairs)}`)
      }
      case 'LABEL': {
        const pairs = keyValues(ins, esc).map((p) => [sub(p.key), sub(p.value)] as const)
        cfg.Labels = {...(cfg.Labels ?? {})}
        for (const [k, v] of pairs) cfg.Labels[k] = v
        return metadata(`LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`, `LABEL ${JSON.stringify(pairs)}`)
      }
      case 'ARG': {
        const decl = argDeclarations(ins, esc)
        const parts: string[] = []
        for (const d of decl) {
          let value: string | undefined
          if (this.opts.buildArgs.has(d.name)) value = this.opts.buildArgs.get(d.name)
          else if (d.value !== undefined) value = sub(d.value)
          else if (ctx.globals.has(d.name)) value = ctx.globals.get(d.name)
          else if (platformArgs(this.platform)[d.name] !== undefined) value = platformArgs(this.platform)[d.name]
          state.args.set(d.name, value)
          if (this.opts.buildArgs.has(d.name)) this.usedBuildArgs.add(d.name)
          parts.push(value === undefined ? d.name : `${d.name}=${value}`)
        }
        return metadata(`ARG ${parts.join(' ')}`, `ARG ${JSON.stringify(parts)}`)
      }
      case 'MAINTAINER': {
        state.doc.author = ins.args
        return metadata(`MAINTAINER ${ins.args}`, `MAINTAINER ${ins.args}`)
      }
      case 'USER': {
        cfg.User = sub(ins.args.trim())
        return metadata(`USER ${cfg.User}`, `USER ${cfg.User}`)
      }
      case 'EXPOSE': {
        const ports = expandWords(ins.args, lookup, esc, ins.line).words
        cfg.ExposedPorts = {...(cfg.ExposedPorts ?? {})}
        for (const p of ports) cfg.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {}
        const map = Object.keys(cfg.ExposedPorts)
          .sort()
          .map((p) => `${p}:{}`)
          .join(' ')
        return metadata(`EXPOSE map[${map}]`, `EXPOSE ${JSON.stringify(ports)}`)
      }
      case 'VOLUME': {
        const vols = ins.json ?? expandWords(ins.args, lookup, esc, ins.line).words
        if (vols.length === 0 || vols.some((v) => v === '')) throw new DockerfileError(ins.line, 'VOLUME specified can not be an empty string')
        cfg.Volumes = {...(cfg.Volumes ?? {})}
        for (const v of vols) cfg.Volumes[v] = {}
        return metadata(`VOLUME [${vols.join(' ')}]`, `VOLUME ${JSON.stringify(vols)}`)
      }
      case 'STOPSIGNAL': {
        cfg.StopSignal = sub(ins.args.trim())
        return metadata(`STOPSIGNAL ${cfg.StopSignal}`, `STOPSIGNAL ${cfg.StopSignal}`)
      }
      case 'SHELL': {
        state.shell = ins.json!
        cfg.Shell = ins.json
        return metadata(`SHELL ${JSON.stringify(ins.json)}`, `SHELL ${JSON.stringify(ins.json)}`)
      }
      case 'CMD':
      case 'ENTRYPOINT': {
        const argv = ins.json ?? [...state.shell, ins.args]
        const field = ins.keyword === 'CMD' ? 'Cmd' : 'Entrypoint'
        cfg[field] = argv
        // An ENTRYPOINT resets the CMD inherited from the base (docker's rule).
        if (ins.keyword === 'ENTRYPOINT' && !prev.doc.config?.__cmdSet) cfg.Cmd = null
        if (ins.keyword === 'CMD') cfg.__cmdSet = true
        return metadata(`${ins.keyword} ${JSON.stringify(argv)}`, `${ins.keyword} ${JSON.stringify(argv)}`)
      }
      case 'HEALTHCHECK': {
        const m = /^(CMD|NONE)\b\s*([\s\S]*)$/i.exec(ins.args)!
        if (m[1]!.toUpperCase() === 'NONE') cfg.Healthcheck = {Test: ['NONE']}
        else {
          const test = ins.json ? ['CMD', ...ins.json] : ['CMD-SHELL', m[2]!]
          const hc: ConfigDoc = {Test: test}
          const dur = (name: string, field: string) => {
            const v = flag(ins, name)
            if (v !== undefined) hc[field] = parseDuration(v, ins.line)
          }
          dur('interval', 'Interval')
          dur('timeout', 'Timeout')
          dur('start-period', 'StartPeriod')
          dur('start-interval', 'StartInterval')
          const r = flag(ins, 'retries')
          if (r !== undefined) hc.Retries = Number(r)
          cfg.Healthcheck = hc
        }
        return metadata(`HEALTHCHECK ${JSON.stringify(cfg.Healthcheck)}`, `HEALTHCHECK ${JSON.stringify(cfg.Healthcheck)}`)
      }
      case 'ONBUILD': {
        cfg.OnBuild = [...((cfg.OnBuild as string[] | null) ?? []), ins.args]
        return metadata(`ONBUILD ${ins.args}`, `ONBUILD ${ins.args}`)
      }
      case 'WORKDIR': {
        const dir = sub(ins.args.trim())
        const abs = path.posix.resolve((cfg.WorkingDir as string | undefined) || '/', dir)
        cfg.WorkingDir = abs
        // docker makes the directory when it is missing: a layer (none when it exists).
        const key = stepKey([prev.key, `WORKDIR ${abs}`])
        const hit = this.cacheHit(state, key)
        if (hit) return hit
        const made = await this.withRoot(state, (merged) => {
          ensureDirInRoot(merged, abs)
        })
        return this.commitStep(state, key, `WORKDIR ${abs}`, made, t0)
      }
      case 'RUN':
        return this.run(state, prev, ins, t0, ctx)
      case 'COPY':
      case 'ADD':
        return this.copy(state, prev, ins, t0, ctx.context, ctx.stages, ctx.stage, sub, used)
    }
    throw new DockerfileError(ins.line, `unknown instruction: ${ins.keyword}`)
  }

  /** Where a step's overlay goes (a worker tells the build first: see onPlanned). */
  private plan(): PlannedRootfs {
    const p = planImageRootfs(this.dataRoot)
    this.onPlanned?.(p.dir)
    return p
  }

  /** Rootless, a step's files need ids of the user's besides its own: its subordinate ranges. */
  private requireSubordinateIds(ins: Instruction): void {
    if (!hasSubordinateRanges())
      throw new CliError(
        'build_failed',
        `line ${ins.line}: ${ins.keyword}: a rootless build needs subordinate ids for the user (a line USER:START:COUNT in /etc/subuid and in /etc/subgid, which root adds)`,
      )
  }

  /**
   * A COPY, ADD or WORKDIR step of a rootless build. Its overlay can only be mounted, its files
   * given the container's owners (`--chown=1000` is the subordinate id 1000 maps to) and the
   * stage's files read whoever owns them as root of a user namespace mapping the user's ids
   * as its containers have them: the step is done there by this same builder in a worker
   * process (`tsc-box-runtime helper userns-exec`, src/build/ns-worker.ts), whose events and
   * resulting state come back as JSON lines. Its mounts die with its mount namespace; the
   * overlay directories it planned are removed here whatever happened to it.
   */
  private async stepInNamespace(prev: StageState, ins: Instruction, ctx: StepContext): Promise<StageState> {
    this.requireSubordinateIds(ins)
    // A --from image was pulled by the first try (runStep): the worker never starts a `tsc-box`.
    const job: NamespaceJob = {
      opts: {...this.opts, root: this.dataRoot, pull: 'never'},
      ignore: this.ignoreText,
      escape: this.escape,
      step: this.step,
      stageResults: [...this.stageResults],
      prev,
      ins,
      ctx,
    }
    const child = spawn(requireRuntime(), ['helper', 'userns-exec', ...rootlessMapArgs(), '--', process.execPath, nsWorkerPath()], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    this.children.set(child, undefined)
    const planned: string[] = []
    let done: {state: StageState; usedBuildArgs: string[]} | undefined
    let failure: {code: ErrorCode; message: string} | undefined
    let stderr = ''
    try {
      child.stdin!.end(encodeJob(job))
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d
      })
      const lines = readline.createInterface({input: child.stdout!})
      const exited = new Promise<number | null>((resolve, reject) => {
        child.on('error', reject)
        child.on('close', (code) => resolve(code))
      })
      for await (const line of lines) {
        const m = decodeJob(line) as WorkerMessage
        if ('event' in m) this.events(m)
        else if ('planned' in m) planned.push(m.planned)
        else if ('done' in m) done = m.done
        else if ('error' in m) failure = m.error
      }
      const code = await exited
      this.checkAborted()
      if (failure) throw new CliError(failure.code, failure.message)
      if (!done)
        throw new CliError('build_failed', `line ${ins.line}: ${ins.keyword}: its worker in a user namespace failed: ${stderr.trim() || `exit status ${code}`}`)
    } finally {
      this.children.delete(child)
      for (const d of planned) {
        try {
          // What a killed worker left: its overlay was mounted in its own mount namespace, gone
          // with it (the `runtime` mark: nothing here to unmount, which the user may not do).
          if (fs.existsSync(d)) fs.writeFileSync(path.join(d, 'driver'), 'runtime\n')
          releaseOverlayDir(d, true)
        } catch {
          // reported by the failure itself; `system prune` finds what is left
        }
      }
    }
    for (const a of done.usedBuildArgs) this.usedBuildArgs.add(a)
    return done.state
  }

  /** The worker's side of stepInNamespace: the one step, as the build itself would do it. */
  async stepForBuild(job: NamespaceJob, onPlanned: (dir: string) => void): Promise<{state: StageState; usedBuildArgs: string[]}> {
    this.inNamespace = true
    this.onPlanned = onPlanned
    this.escape = job.escape
    this.ignoreText = job.ignore
    this.ignore = job.ignore === undefined ? undefined : new DockerIgnore(job.ignore)
    this.counter = job.step
    for (const [i, s] of job.stageResults) this.stageResults.set(i, s)
    const state = await this.stepCtx.run(job.step, () => this.runStep(job.prev, job.ins, job.ctx))
    return {state, usedBuildArgs: [...this.usedBuildArgs]}
  }

  /** A step found in the cache: its image and config, nothing run or copied. */
  private cacheHit(state: StageState, key: string): StageState | undefined {
    if (this.opts.noCache) return undefined
    const entry = this.cache.get(key)
    if (!entry) return undefined
    const image = entry.image === undefined ? undefined : (call((n) => n.imageFind(this.store, entry.image!)) ?? undefined)
    if (entry.image !== undefined && !image) return undefined
    this.events({event: 'cached', step: this.step})
    this.events({event: 'done', step: this.step, seconds: 0})
    return {...state, key, doc: entry.doc as ConfigDoc, image, layers: image ? layersOf(image) : []}
  }

  /** The image of the stage's layers, made when the stage has none in the store yet (scratch). */
  private async imageOf(state: StageState): Promise<ImageSummary> {
    if (state.image) return state.image
    const doc = {architecture: this.platform.arch, os: this.platform.os, config: {}}
    state.image = await callAsync((n) => n.imageAssemble(this.store, [], JSON.stringify(doc), []))
    return state.image
  }

  /** Mounts an overlay of the stage's layers with a fresh upper for `work`; returns the layer made of the upper. */
  private async withRoot(state: StageState, work: (merged: string) => Promise<void> | void): Promise<MadeLayerRef> {
    this.needRoot()
    const image = await this.imageOf(state)
    const planned = this.plan()
    const rootfs = await this.mount(planned, image)
    try {
      // A copy of the layers has no upper to tell the step's changes by.
      if (rootfs.driver === 'copy')
        throw new CliError(
          'build_failed',
          `${this.inNamespace ? 'overlayfs was refused in the user namespace of a rootless build (it needs Linux 5.11 or later)' : 'overlayfs was refused'}: a build step needs an overlay to tell its changes`,
        )
      await work(rootfs.merged)
      // Unmounted before the upper is read: the layer is what the overlay wrote, complete.
      releaseOverlayDir(planned.dir, false)
      return await callAsync((n) => n.layerFromUpper(this.store, path.join(planned.dir, 'upper'), this.opts.epoch ?? null, []))
    } finally {
      releaseOverlayDir(planned.dir, true)
    }
  }

  /**
   * The overlay of `image` for a step; an image without layers (scratch) gets an empty lower
   * directory of its own (overlayfs needs one, outside its work directory). It is volatile
   * (napi buildOverlayMount): its upper is read into a layer or dropped right after, so its
   * unmount need not sync the host's whole filesystem, which on a busy host was most of a
   * COPY step's time.
   */
  private async mount(planned: {dir: string; merged: string}, image: ImageSummary): Promise<{merged: string; driver: string}> {
    fs.mkdirSync(planned.dir, {mode: 0o700})
    try {
      claimImage(planned.dir, image)
      let lower = image.layers.map((l) => l.path).reverse()
      if (lower.length === 0) {
        lower = [path.join(planned.dir, 'lower')]
        fs.mkdirSync(lower[0]!, {mode: 0o755})
      }
      const driver = await callAsync((n) => n.buildOverlayMount(lower, path.join(planned.dir, 'upper'), path.join(planned.dir, 'work'), planned.merged))
      fs.writeFileSync(path.join(planned.dir, 'driver'), `${driver}\n`)
      return {merged: planned.merged, driver}
    } catch (e) {
      releaseOverlayDir(planned.dir, true)
      throw e
    }
  }

  /** Records a step that made `made` (no layer when it holds no entry). */
  private async commitStep(state: StageState, key: string, createdBy: string, made: MadeLayerRef, t0: number): Promise<StageState> {
    const empty = made.entries === 0
    this.history(state, createdBy, empty)
    if (!empty) {
      const layers = [...state.layers, {digest: made.digest, size: made.size, mediaType: made.mediaType, diffId: made.diffId, path: ''}]
      const image = await callAsync((n) => n.imageAssemble(this.store, layers, JSON.stringify(cleanDoc(state.doc)), []))
      state.image = image
      state.layers = layersOf(image)
    }
    state.key = key
    this.cache.put(key, {image: state.image?.digest, doc: state.doc})
    this.doneStep(t0, empty ? undefined : made.diffId)
    return state
  }

  private async run(
    state: StageState,
    prev: StageState,
    ins: Instruction,
    t0: number,
    ctx: {context: string; stages: Stage[]; stage: Stage},
  ): Promise<StageState> {
    for (const f of ins.flags) {
      // --security=insecure needs buildkit's security.insecure entitlement, which tsc-box never grants.
      if (f.name === 'security' && f.value !== 'sandbox')
        throw new CliError(
          'build_failed',
          `line ${ins.line}: RUN --security=${f.value ?? ''}: only sandbox is allowed (insecure needs an entitlement tsc-box does not grant)`,
        )
    }
    const stepNetwork = flag(ins, 'network')
    if (stepNetwork !== undefined && !['default', 'none', 'host'].includes(stepNetwork))
      throw new DockerfileError(ins.line, `unsupported network mode ${JSON.stringify(stepNetwork)}: default, none or host`)
    const network = stepNetwork ?? this.opts.network
    const mounts = ins.flags
      .filter((f) => f.name === 'mount')
      .map((f) => parseMount(f.value ?? '', ins.line, (s) => expandWord(s, this.lookupFor(state), this.escape, ins.line).word))
    if (this.rootless) this.refuseRootlessMounts(mounts, ins)
    let argv: string[]
    let shown: string
    if (ins.json) {
      argv = ins.json
      shown = JSON.stringify(ins.json)
    } else {
      let script = ins.args
      if (ins.heredocs.length === 1 && script.trim() === `<<${ins.heredocs[0]!.name}` && !ins.heredocs[0]!.content.startsWith('#!')) {
        script = ins.heredocs[0]!.content
      } else if (ins.heredocs.length > 0) {
        script = `${script}\n${ins.heredocs.map((h) => `${h.content}${h.name}`).join('\n')}`
      }
      argv = [...state.shell, script]
      shown = argv.join(' ')
    }
    // Build args in scope reach the command as environment (docker's rule), and the cache
    // keys on them all, as docker's does.
    const args = [...state.args].filter(([n, v]) => v !== undefined && !envMap(state.doc).has(n)) as [string, string][]
    for (const [n] of args) if (this.opts.buildArgs.has(n)) this.usedBuildArgs.add(n)
    const argText = args.length > 0 ? `|${args.length} ${args.map(([k, v]) => `${k}=${v}`).join(' ')} ` : ''
    const createdBy = `RUN ${argText}${shown} # buildkit`
    // Bind mounts are read by the step: their content is part of its key; cache mounts are not.
    const binds = await this.bindSources(mounts, ins, ctx)
    const key = stepKey([prev.key, 'RUN', JSON.stringify(argv), JSON.stringify(args), network ?? '', JSON.stringify(mounts), ...binds.map((b) => b.key)])
    const hit = this.cacheHit(state, key)
    if (hit) {
      hit.args = state.args
      for (const b of binds) b.release()
      return hit
    }
    if (this.rootless) this.requireSubordinateIds(ins)
    const image = await this.imageOf(state)
    const cfg = state.doc.config ?? {}
    const name = `tsc-box-build-${process.pid}-${Date.now().toString(36)}-${this.step}`
    const runArgs = ['run', '--name', name, '--entrypoint', argv[0]!]
    for (const e of (cfg.Env as string[] | undefined) ?? []) runArgs.push('-e', e)
    for (const [k, v] of args) runArgs.push('-e', `${k}=${v}`)
    if (cfg.WorkingDir) runArgs.push('-w', cfg.WorkingDir)
    if (cfg.User) runArgs.push('-u', cfg.User)
    if (network && network !== 'default') runArgs.push('--network', network)
    for (const h of this.opts.addHosts ?? []) runArgs.push('--add-host', h)
    if (this.opts.shmSize !== undefined) runArgs.push('--shm-size', this.opts.shmSize)
    for (const u of this.opts.ulimits ?? []) runArgs.push('--ulimit', u)
    for (const m of mounts) if (m.type === 'cache') runArgs.push('-v', `${this.cacheMountDir(m)}:${m.target}${m.readonly ? ':ro' : ''}`)
    for (const m of mounts) if (m.type === 'tmpfs') runArgs.push('--tmpfs', `${m.target}${m.size ? `:size=${m.size}` : ''}`)
    for (const b of binds) runArgs.push('-v', `${b.host}:${b.target}${b.readonly ? ':ro' : ''}`)
    for (const m of mounts) {
      if (m.type !== 'secret') continue
      const file = this.opts.secrets?.get(m.id!)
      if (file === undefined) {
        if (m.required) throw new CliError('build_context', `line ${ins.line}: secret ${m.id} not found: give it with --secret id=${m.id},src=FILE`)
        continue
      }
      runArgs.push('-v', `${file}:${m.target}:ro`)
    }
    runArgs.push(image.id, ...argv.slice(1))
    let code: number
    this.stepContainers.set(this.step, name)
    try {
      code = await this.runChild(runArgs, this.step)
      this.checkAborted()
      if (code !== 0) {
        throw new CliError('build_failed', `The command '${argv.join(' ')}' returned a non-zero code: ${code}`)
      }
      const view = containers(resolvePaths(this.opts.root, currentPathEnv()), (s) => s.resolve(name))
      const upper = path.join(path.dirname(view.rootfs), 'upper')
      // Rootless, the runtime copies the layers where the kernel refuses overlayfs in the
      // container's user namespace (its mark in the workdir): then no upper holds the changes.
      if (this.rootless && fs.existsSync(path.join(path.dirname(view.rootfs), 'work', 'tsc-box-copied')))
        throw new CliError(
          'build_failed',
          `line ${ins.line}: RUN: the step's layers were copied rather than mounted (overlayfs refused in a user namespace before Linux 5.11, or TSC_BOX_STORAGE_DRIVER=copy): a rootless build needs an overlay to tell the step's changes`,
        )
      const layerDirs = image.layers.map((l) => l.path)
      const stubs = [
        ...mountStubs(layerDirs),
        // A mount's target and the directories made to hold it (a secret's /run/secrets).
        ...[...new Set(mounts.flatMap((m) => withAncestors(m.target.slice(1))))].filter(
          (t) => !layerDirs.some((l) => fs.lstatSync(path.join(l, t), {throwIfNoEntry: false}) !== undefined),
        ),
      ]
      const made = await callAsync((n) => n.layerFromUpper(this.store, upper, this.opts.epoch ?? null, stubs))
      return await this.commitStep(state, key, createdBy, made, t0)
    } finally {
      this.stepContainers.delete(this.step)
      this.removeStepContainer(name)
      for (const b of binds) b.release()
    }
  }

  /**
   * What a rootless RUN cannot mount: a stage's or image's root as a bind (it is mounted only
   * in a user namespace of the build's, which the step's container does not see), a cache
   * directory of another owner than the container's root (only root of the user namespace
   * could give it one).
   */
  private refuseRootlessMounts(mounts: RunMount[], ins: Instruction): void {
    for (const m of mounts) {
      if (m.type === 'bind' && m.from !== undefined)
        throw new CliError(
          'build_failed',
          `line ${ins.line}: RUN --mount=type=bind,from=${m.from}: a rootless build cannot mount a stage's or an image's root for a step`,
        )
      if (m.type === 'cache' && ((m.uid ?? 0) !== 0 || (m.gid ?? 0) !== 0))
        throw new CliError(
          'build_failed',
          `line ${ins.line}: RUN --mount=type=cache with uid or gid: a rootless build's cache directories belong to the container's root`,
        )
    }
  }

  /** A cache mount's directory: kept between builds, never in a layer (`builder prune` empties it). */
  private cacheMountDir(m: RunMount): string {
    const dir = path.join(this.dataRoot, 'builder', 'mounts', stepKey(['cache', m.id ?? m.target]))
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, {recursive: true, mode: 0o755})
      // Rootless, the user's own directory is the container root's (other owners were refused).
      if (!this.rootless) fs.chownSync(dir, m.uid ?? 0, m.gid ?? 0)
      fs.chmodSync(dir, m.mode ?? 0o755)
    }
    return dir
  }

  /**
   * The host directories of `type=bind` mounts: a path of the context (or of a stage's or an
   * image's root, mounted for the step), with no symlink anywhere on the way (the runtime
   * would follow it on the host).
   */
  private async bindSources(
    mounts: RunMount[],
    ins: Instruction,
    ctx: {context: string; stages: Stage[]; stage: Stage},
  ): Promise<{host: string; target: string; readonly: boolean; key: string; release: () => void}[]> {
    const out: {host: string; target: string; readonly: boolean; key: string; release: () => void}[] = []
    try {
      for (const m of mounts) {
        if (m.type !== 'bind') continue
        let root = ctx.context
        let release = () => {}
        let rootKey = 'context'
        if (m.from !== undefined) {
          const ref = stageRef(ctx.stages, m.from, ctx.stage.index)
          const image = ref ? await this.imageOf(this.stageResults.get(ref.index)!) : await this.findOrPull(m.from, ins)
          const planned = this.plan()
          const rootfs = await this.mount(planned, image)
          root = rootfs.merged
          release = () => releaseOverlayDir(planned.dir, true)
          rootKey = image.id
        }
        const rel = cleanSource(m.source ?? '.')
        let host = root
        for (const c of rel.split('/').filter(Boolean)) {
          host = path.join(host, c)
          const st = fs.lstatSync(host, {throwIfNoEntry: false})
          if (!st || st.isSymbolicLink()) {
            release()
            throw new CliError('build_context', `line ${ins.line}: RUN --mount source ${m.source}: ${st ? 'a symbolic link is not followed' : 'not found'}`)
          }
        }
        const st = fs.lstatSync(host)
        const sources = [{host, rel, stat: st}]
        const key = `${rootKey}:${hashSources(sources, m.from === undefined ? this.ignore : undefined)}`
        if (!m.readonly) {
          // docker's rw bind: the step may write, and what it writes is discarded. It writes
          // to a copy (links copied as links, owners and modes kept), removed after the step.
          const copy = path.join(this.dataRoot, 'builder', 'tmp', `bind-${process.pid}-${this.step}-${out.length}-${Date.now().toString(36)}`)
          fs.mkdirSync(path.dirname(copy), {recursive: true, mode: 0o700})
          const done = spawnSync('cp', ['-a', '--', host, copy], {stdio: ['ignore', 'ignore', 'pipe']})
          const releaseSource = release
          release = () => {
            fs.rmSync(copy, {recursive: true, force: true})
            releaseSource()
          }
          if (done.status !== 0) {
            release()
            throw new CliError('build_failed', `line ${ins.line}: copying the rw bind source ${m.source ?? '.'}: ${done.stderr.toString().trim()}`)
          }
          host = copy
        }
        out.push({host, target: m.target, readonly: m.readonly, key, release})
      }
    } catch (e) {
      for (const b of out) b.release()
      throw e
    }
    return out
  }

  private removeStepContainer(name: string): void {
    const paths = resolvePaths(this.opts.root, currentPathEnv())
    let id: string | undefined
    try {
      id = containers(paths, (s) => s.resolve(name)).id
    } catch {
      return
    }
    removeContainer(this.dataRoot, id, name)
  }

  /** Runs `tsc-box ARGS` (the same CLI), its output to the progress stream. */
  private runChild(args: string[], step: number): Promise<number> {
    const [node, ...entry] = cliCommand()
    const full = [...entry, args[0]!, ...(this.opts.root ? ['--root', this.opts.root] : []), ...args.slice(1)]
    return new Promise((resolve, reject) => {
      // Its own process group: a terminal's Ctrl-C reaches the build, which passes it on once.
      const child = spawn(node!, full, {stdio: ['ignore', 'pipe', 'pipe'], detached: true})
      this.children.set(child, this.stepContainers.get(step))
      const relay = (stream: 'stdout' | 'stderr') => {
        let buf = ''
        const src = child[stream]!
        src.setEncoding('utf8')
        src.on('data', (d: string) => {
          buf += d
          let i = buf.indexOf('\n')
          while (i >= 0) {
            this.events({event: 'output', step, stream, line: buf.slice(0, i)})
            buf = buf.slice(i + 1)
            i = buf.indexOf('\n')
          }
        })
        src.on('end', () => {
          if (buf) this.events({event: 'output', step, stream, line: buf})
        })
      }
      relay('stdout')
      relay('stderr')
      child.on('error', reject)
      child.on('close', (code, signal) => {
        this.children.delete(child)
        resolve(code ?? (signal ? 128 + 15 : 1))
      })
    })
  }

  private async copy(
    state: StageState,
    prev: StageState,
    ins: Instruction,
    t0: number,
    context: string,
    stages: Stage[],
    stage: Stage,
    sub: (s: string) => string,
    used: Set<string>,
  ): Promise<StageState> {
    const from = flag(ins, 'from')
    const chown = flag(ins, 'chown')
    const chmod = flag(ins, 'chmod')
    const fromValue = from === undefined ? undefined : sub(from)
    // --link changes how docker stores the layer, not the files it holds: accepted as is.
    // --exclude (repeatable): .dockerignore's pattern syntax, relative to each source.
    const excludes = ins.flags.filter((f) => f.name === 'exclude').map((f) => sub(f.value ?? ''))
    const exclude = excludes.length > 0 ? new DockerIgnore(excludes.join('\n')) : undefined
    const parents = flag(ins, 'parents') !== undefined && flag(ins, 'parents') !== 'false'
    for (const f of ['keep-git-dir'])
      if (flag(ins, f) !== undefined) throw new CliError('build_failed', `line ${ins.line}: ${ins.keyword} --${f} is not supported yet`)
    const closure = flag(ins, 'closure') !== undefined
    if (closure && from === undefined) throw new DockerfileError(ins.line, "COPY --closure needs --from=STAGE: the binaries are looked up in that stage's root")
    if (ins.keyword === 'ADD' && from !== undefined) throw new DockerfileError(ins.line, 'ADD does not support --from')
    const words = ins.json ?? expandWords(ins.args, this.lookupFor(state), this.escape, ins.line).words
    if (ins.json) for (let i = 0; i < words.length; i++) words[i] = sub(words[i]!)
    const heredocFiles = ins.heredocs.map((h) => ({name: h.name, content: h.expand ? sub(h.content) : h.content}))
    const srcWords = words.slice(0, -1).filter((w) => !ins.heredocs.some((h) => w === `<<${h.name}` || w === `<<-${h.name}`))
    if (words.length < 2 && heredocFiles.length === 0) throw new DockerfileError(ins.line, `${ins.keyword} requires at least two arguments`)
    const destWord = words[words.length - 1]!
    const cfg = state.doc.config ?? {}
    const dest = destWord.startsWith('/')
      ? destWord
      : path.posix.join((cfg.WorkingDir as string | undefined) || '/', destWord) + (destWord.endsWith('/') || destWord === '.' ? '/' : '')
    for (const w of srcWords) {
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(w)) continue
      if (ins.keyword === 'COPY') throw new DockerfileError(ins.line, `source can't be a URL for COPY: ${w}`)
      if (!isUrl(w)) throw new CliError('build_failed', `line ${ins.line}: ADD from ${w.split(':')[0]} URLs is not supported (http and https are)`)
    }
    const urlWords = fromValue === undefined ? srcWords.filter(isUrl) : []
    const checksumFlag = flag(ins, 'checksum')
    const checksum = checksumFlag === undefined ? undefined : parseChecksum(sub(checksumFlag), ins.line)
    if (checksum !== undefined && urlWords.length === 0) throw new DockerfileError(ins.line, 'ADD --checksum needs an http(s) source')
    // The sources, from the context or from a stage's or image's root.
    let fromRoot: {root: string; release: () => void; key: string} | undefined
    let tmpDir: string | undefined
    try {
      let sources: Source[] = []
      // --parents: the part of a source's path before a `/./` in its word, which it drops.
      const pivots = new Map<Source, string>()
      let closureFiles: string[] = []
      let contentKey: string
      if (fromValue !== undefined) {
        const ref = stageRef(stages, fromValue, stage.index)
        let image: ImageSummary
        if (ref) {
          const s = this.stageResults.get(ref.index)
          if (!s) throw new CliError('build_failed', `stage ${fromValue} was not built`)
          image = await this.imageOf(s)
        } else image = await this.findOrPull(fromValue, ins)
        this.needRoot()
        const planned = this.plan()
        const rootfs = await this.mount(planned, image)
        fromRoot = {root: rootfs.merged, release: () => releaseOverlayDir(planned.dir, true), key: image.id}
        for (const w of srcWords) sources.push(...pivoted(w, this.sourcesInRoot(fromRoot.root, w), pivots))
        contentKey = `${image.id}:${hashSources(sources)}`
        if (closure) {
          // The binaries' libraries and loader, found in the stage's root as its loader would.
          const bins = sources.map((s) => `/${s.rel}`)
          const root = fromRoot.root
          const files = await callAsync((n) => n.elfClosureInRoot(root, bins))
          closureFiles = files.filter((f) => !bins.includes(f))
        }
      } else {
        for (const w of srcWords) {
          if (isUrl(w)) continue
          cleanSource(w)
          sources.push(...pivoted(w, findSources(context, w, this.ignore), pivots))
        }
        contentKey = hashSources(sources, this.ignore)
      }
      // URLs are fetched before the cache is asked: the key is what they hold.
      const urlSources: Source[] = []
      if (urlWords.length > 0) {
        tmpDir = path.join(this.dataRoot, 'builder', 'tmp', `${process.pid}-${this.step}-${Date.now().toString(36)}`)
        for (const [i, u] of urlWords.entries()) {
          const got = await downloadSource(u, path.join(tmpDir, `url-${i}`), checksum, ins.line)
          urlSources.push(got)
          contentKey += `:${got.digest}`
        }
      }
      // ADD unpacks local archives (never those of --from, as docker): each into a directory
      // of the store's temp area with a layer's checks, whose contents are then copied.
      let archives: Source[] = []
      if (ins.keyword === 'ADD' && fromValue === undefined) {
        archives = sources.filter((s) => this.isArchive(s))
        sources = sources.filter((s) => !archives.includes(s))
      }
      const many = srcWords.length + heredocFiles.length > 1 || srcWords.some(hasWildcard)
      const key = stepKey([
        prev.key,
        ins.keyword,
        closure ? 'closure' : '',
        JSON.stringify(words),
        JSON.stringify(heredocFiles),
        chown ?? '',
        chmod ?? '',
        JSON.stringify(excludes),
        contentKey,
        JSON.stringify(this.argValues(state, used)),
      ])
      const createdBy = `${ins.keyword} ${srcWords.join(' ')}${heredocFiles.map((h) => ` <<${h.name}`).join('')} ${destWord} # buildkit`
      const hit = this.cacheHit(state, key)
      if (hit) return hit
      this.needRoot()
      const tmp = tmpDir ?? path.join(this.dataRoot, 'builder', 'tmp', `${process.pid}-${this.step}-${Date.now().toString(36)}`)
      tmpDir = tmp
      const unpacked: Source[] = []
      for (const [i, a] of archives.entries()) {
        const out = path.join(tmp, String(i))
        fs.mkdirSync(tmp, {recursive: true, mode: 0o700})
        try {
          await callAsync((n) => n.archiveUnpackTo(a.host, out))
        } catch (e) {
          // A build's failure, whatever its cause: exit 1, as docker build.
          throw new CliError('build_context', `line ${ins.line}: ADD ${a.rel}: ${(e as Error).message}`)
        }
        unpacked.push({host: out, rel: a.rel, stat: fs.lstatSync(out)})
      }
      const made = await this.withRoot(state, (merged) => {
        let uid: number | undefined
        let gid: number | undefined
        if (chown !== undefined) {
          const spec = sub(chown)
          const u = /^\d+(:\d+)?$/.test(spec)
            ? {uid: Number(spec.split(':')[0]), gid: Number(spec.split(':')[1] ?? spec.split(':')[0])}
            : storeStatic((s) => s.userInRootfs(merged, spec))
          uid = u.uid
          gid = u.gid
        }
        const mode = chmod === undefined ? undefined : parseChmod(sub(chmod), ins.line)
        const opts = {uid, gid, mode, exclude}
        if (sources.length === 0 && heredocFiles.length === 0 && archives.length === 0 && urlSources.length === 0)
          throw new CliError('build_context', `${ins.keyword}: no source files were specified`)
        for (const a of unpacked) copyInto(merged, [a], dest.endsWith('/') ? dest : `${dest}/`, false, {...opts, keepOwners: opts.uid === undefined})
        const ignore = fromValue === undefined ? this.ignore : undefined
        if (sources.length > 0 && !parents) copyInto(merged, sources, dest, many, opts, ignore)
        // --parents: each source keeps its path (below a `/./` pivot, if its word has one).
        for (const src of parents ? sources : []) {
          const rel = path.posix.relative(pivots.get(src) ?? '', src.rel)
          const at = src.stat.isDirectory() ? rel : path.posix.dirname(rel)
          copyInto(merged, [src], `${path.posix.join(dest, at)}/`, false, opts, ignore)
        }
        // A downloaded file is 0600 unless --chmod says otherwise (docker's rule).
        if (urlSources.length > 0) copyInto(merged, urlSources, dest, many, {...opts, mode: opts.mode ?? 0o600})
        for (const f of closureFiles) copyPathWithLinks(fromRoot!.root, merged, f)
        for (const h of heredocFiles) writeFileInto(merged, dest, h.name, h.content, opts)
      })
      return await this.commitStep(state, key, createdBy, made, t0)
    } finally {
      fromRoot?.release()
      if (tmpDir !== undefined) fs.rmSync(tmpDir, {recursive: true, force: true})
    }
  }

  /** An ADD source docker unpacks: a local tar, plain or compressed (gzip, bzip2, xz, zstd). */
  private isArchive(s: Source): boolean {
    return s.stat.isFile() && call((n) => n.archiveIsArchive(s.host))
  }

  private sourcesInRoot(root: string, w: string): Source[] {
    const rel = cleanSource(w.startsWith('/') ? w : `/${w}`)
    return findSources(root, rel)
  }

  private async finish(state: StageState): Promise<BuildResult> {
    const doc = cleanDoc(state.doc)
    // The image was made when its last step was (docker's rule): a fully cached rebuild is the
    // same image, with the same ID.
    const history = (doc.history as History[] | undefined) ?? []
    doc.created = this.opts.epoch !== undefined ? this.createdTime : (history.at(-1)?.created ?? this.createdTime)
    if (Object.keys(this.opts.labels).length > 0) doc.config.Labels = {...(doc.config.Labels ?? {}), ...this.opts.labels}
    const tags = this.opts.tags.map((t) => normalizeReference(t))
    const json = JSON.stringify(doc)
    const key = stepKey([state.key, 'image', json, JSON.stringify(state.layers.map((l) => l.diffId))])
    const cached = this.opts.noCache ? undefined : this.cache.get(key)
    const found = cached?.image === undefined ? undefined : (call((n) => n.imageFind(this.store, cached.image!)) ?? undefined)
    if (found) {
      // Only the names are new: no config, manifest or layer is written again.
      for (const t of tags) if (!found.refs.includes(t)) call((n) => n.imageTag(this.store, found.digest, t))
      return {id: found.id, digest: found.digest, tags}
    }
    const image = await callAsync((n) => n.imageAssemble(this.store, state.layers, json, tags))
    this.cache.put(key, {image: image.digest, doc: {}})
    return {id: image.id, digest: image.digest, tags}
  }
}

/** `a/b/c`, `a/b` and `a`. */
function withAncestors(rel: string): string[] {
  const out: string[] = []
  for (let p = rel; p !== '.' && p !== ''; p = path.posix.dirname(p)) out.push(p)
  return out
}

/** Notes the pivot of `word` (`dir/./rest` keeps `rest`) for each of its sources. */
function pivoted(word: string, sources: Source[], pivots: Map<Source, string>): Source[] {
  const i = word.indexOf('/./')
  if (i >= 0) {
    const prefix = path.posix.normalize(`/${word.slice(0, i)}`).replace(/^\/+/, '')
    for (const s of sources) pivots.set(s, prefix === '.' ? '' : prefix)
  }
  return sources
}

/**
 * The files the runtime bind-mounts over (/etc/hosts, /etc/hostname, /etc/resolv.conf) that
 * none of `layers` has: the empty files it made as mount points in the container's upper are
 * no change of the step's (buildkit removes its mount stubs too).
 */
export function mountStubs(layers: string[]): string[] {
  return ['etc/hosts', 'etc/hostname', 'etc/resolv.conf'].filter(
    (p) => !layers.some((l) => fs.lstatSync(path.join(l, p), {throwIfNoEntry: false}) !== undefined),
  )
}

/** Thrown where a rootless step must go on as root of its user namespace (Builder.needRoot). */
class NeedsNamespace extends Error {}

/** The error a stage stopped with because another failed first (or Ctrl-C). */
function isInterruption(e: unknown): boolean {
  return e instanceof CliError && e.message === 'the build was interrupted'
}

interface MadeLayerRef {
  digest: string
  size: number
  mediaType: string
  diffId: string
  entries: number
}

interface RunMount {
  type: 'cache' | 'bind' | 'secret' | 'tmpfs'
  target: string
  /** A tmpfs's size (bytes, or with k/m/g). */
  size?: string
  /** A secret that must be given (required=true). */
  required?: boolean
  id?: string
  source?: string
  from?: string
  readonly: boolean
  mode?: number
  uid?: number
  gid?: number
}

/** `RUN --mount=type=cache|bind|tmpfs|secret,target=...`, docker's keys. */
function parseMount(spec: string, line: number, sub: (s: string) => string): RunMount {
  const kv = new Map<string, string>()
  for (const part of spec.split(',')) {
    if (part === '') continue
    const i = part.indexOf('=')
    kv.set(i < 0 ? part : part.slice(0, i), i < 0 ? 'true' : sub(part.slice(i + 1)))
  }
  const type = kv.get('type') ?? 'bind'
  if (type !== 'cache' && type !== 'bind' && type !== 'secret' && type !== 'tmpfs')
    throw new DockerfileError(line, `unsupported mount type ${JSON.stringify(type)}: bind, cache, tmpfs or secret`)
  if (type === 'secret') {
    // A secret's id defaults to its target's name, its target to /run/secrets/ID.
    const given = kv.get('target') ?? kv.get('dst') ?? kv.get('destination')
    const id = kv.get('id') ?? (given ? path.posix.basename(given) : undefined)
    if (!id) throw new DockerfileError(line, 'a secret mount needs an id or a target')
    return {type, id, target: path.posix.resolve('/', given ?? `/run/secrets/${id}`), readonly: true, required: kv.get('required') === 'true'}
  }
  const target = kv.get('target') ?? kv.get('dst') ?? kv.get('destination')
  if (!target) throw new DockerfileError(line, 'mount target is required')
  if (type === 'tmpfs') {
    const size = kv.get('size')
    if (size !== undefined && !/^\d+[kmgKMG]?$/.test(size)) throw new DockerfileError(line, `invalid tmpfs size ${JSON.stringify(size)}`)
    return {type, target: path.posix.resolve('/', target), readonly: false, size}
  }
  const rw = kv.get('rw') ?? kv.get('readwrite')
  const ro = kv.get('ro') ?? kv.get('readonly')
  const num = (k: string, base = 10) => (kv.has(k) ? Number.parseInt(kv.get(k)!, base) : undefined)
  return {
    type,
    target: path.posix.resolve('/', target),
    id: kv.get('id'),
    source: kv.get('source') ?? kv.get('src'),
    from: kv.get('from'),
    // A bind is read-only unless rw; a cache is writable unless ro.
    readonly: type === 'bind' ? rw !== 'true' : ro === 'true',
    mode: num('mode', 8),
    uid: num('uid'),
    gid: num('gid'),
  }
}

/** The config as written: tsc-box's bookkeeping removed, docker's field order kept. */
function cleanDoc(doc: ConfigDoc): ConfigDoc {
  const d = structuredClone(doc)
  if (d.config) {
    delete d.config.__cmdSet
    if (d.config.OnBuild === null) delete d.config.OnBuild
  }
  delete d.rootfs
  return d
}

function parseDuration(v: string, line: number): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g
  const unit: Record<string, number> = {ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9}
  let total = 0
  let matched = ''
  for (const m of v.matchAll(re)) {
    total += Number(m[1]) * unit[m[2]!]!
    matched += m[0]
  }
  if (matched !== v || v === '') throw new DockerfileError(line, `time: invalid duration "${v}"`)
  return Math.round(total)
}

function parseChmod(v: string, line: number): number {
  if (!/^[0-7]{3,4}$/.test(v)) throw new DockerfileError(line, `invalid --chmod value ${JSON.stringify(v)}: an octal mode is supported`)
  return Number.parseInt(v, 8)
}
