// The SDK's images, networks and volumes: pull with progress events from a registry (an image
// made with from-host and pushed first), build, save and load, tag, inspect, list, remove.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { serialIf } from './helpers/conditional'
import { type BuildEvent, type PullProgress, TscBox, TscBoxError } from '../src/index'
import { makeDataRoot, RUNTIME } from './helpers/cli'
import { startRegistry } from './image-registry-fixtures'

test("push, then pull reporting each blob's start, progress and end; the image runs", async (t) => {
  const reg = await startRegistry()
  t.teardown(() => reg.stop())
  const source = makeDataRoot()
  const src = new TscBox({ root: source, runtime: RUNTIME })
  await src.images.fromHost('localhost/sdk-pull:1', ['/bin/sh'])
  const ref = `${reg.host}/sdk/pull:1`
  const pushing: PullProgress[] = []
  const pushed = await src.images.push('localhost/sdk-pull:1', ref, { tlsVerify: 'false', onProgress: (e) => pushing.push(e) })
  t.is(pushed.reference, ref)
  t.true(pushing.some((e) => e.type === 'done'))

  const box = new TscBox({ root: makeDataRoot(), runtime: RUNTIME })
  const events: PullProgress[] = []
  const pulled = await box.images.pull(ref, { tlsVerify: 'false', onProgress: (e) => events.push(e) })
  t.is(pulled.reference, ref)
  const starts = events.filter((e) => e.type === 'start')
  t.true(starts.length >= 2, JSON.stringify(events)) // the config and the layer at least
  for (const s of starts) t.true(events.some((e) => e.type === 'done' && e.digest === s.digest))
  const layer = starts.reduce((a, b) => (a.size > b.size ? a : b))
  const last = events.filter((e) => e.type === 'progress' && e.digest === layer.digest).pop()
  t.is(last?.type === 'progress' ? last.bytes : -1, layer.size)
  t.true((await box.images.list()).some((i) => i.references.includes(ref)))
  const r = await box.run(ref, ['-c', 'echo pulled'], { rm: true })
  t.is(r.stdout.toString(), 'pulled\n')
})

test('images: from-host, tag, inspect, save, load, list, remove; a missing one is image_not_found', async (t) => {
  const root = makeDataRoot()
  const box = new TscBox({ root, runtime: RUNTIME })
  const img = await box.images.fromHost('localhost/sdk-img:1', ['/bin/true'])
  const tagged = await box.images.tag('localhost/sdk-img:1', 'localhost/sdk-img:2')
  t.is(tagged.id, img.id)
  t.deepEqual((await box.images.inspect(img.id)).RepoTags.sort(), ['localhost/sdk-img:1', 'localhost/sdk-img:2'])
  const file = join(root, 'img.tar')
  const saved = await box.images.save(['localhost/sdk-img:1'], file)
  t.deepEqual(saved.images, [img.id])
  const other = new TscBox({ root: makeDataRoot(), runtime: RUNTIME })
  const loaded = await other.images.load(file)
  t.is(loaded[0]?.id, img.id)
  t.deepEqual(await box.images.remove('localhost/sdk-img:2'), [{ untagged: 'localhost/sdk-img:2' }])
  const gone = await box.images.remove('localhost/sdk-img:1')
  t.true(gone.some((e) => e.deleted === img.id))
  t.false((await box.images.list()).some((i) => i.id === img.id))
  const e = await t.throwsAsync(box.images.tag('localhost/sdk-img:1', 'x'), { instanceOf: TscBoxError })
  t.is(e?.code, 'image_not_found')
})

test('build: a Dockerfile with a RUN step, its events, and the image runs', async (t) => {
  const root = makeDataRoot()
  const box = new TscBox({ root, runtime: RUNTIME })
  await box.images.fromHost('localhost/sdk-base:1', ['/bin/sh', 'cat'])
  const context = join(root, 'context')
  mkdirSync(context)
  writeFileSync(join(context, 'greeting'), 'hello from the context\n')
  writeFileSync(join(context, 'Dockerfile'), 'FROM localhost/sdk-base:1\nCOPY greeting /greeting\nRUN echo built > /built\n')
  const events: BuildEvent[] = []
  const built = await box.images.build(context, { tags: ['localhost/sdk-built:1'], onEvent: (e) => events.push(e) })
  t.deepEqual(built.tags, ['localhost/sdk-built:1'])
  t.is(events.filter((e) => e.event === 'step').length, 3)
  const r = await box.run('localhost/sdk-built:1', ['-c', 'cat /greeting /built'], { rm: true })
  t.is(r.stdout.toString(), 'hello from the context\nbuilt\n')
  const e = await t.throwsAsync(box.images.build(context, { file: 'missing.Dockerfile' }), { instanceOf: TscBoxError })
  t.truthy(e?.code)
})

test('volumes: create, mount in a run, list, inspect, remove', async (t) => {
  const box = new TscBox({ root: makeDataRoot(), runtime: RUNTIME })
  const v = await box.volumes.create('sdkdata', { labels: { app: 'sdk' } })
  t.is(v.name, 'sdkdata')
  await box.images.fromHost('localhost/sdk-vol:1', ['/bin/sh', 'cat'])
  await box.run('localhost/sdk-vol:1', ['-c', 'echo kept > /data/f'], { rm: true, volume: ['sdkdata:/data'] })
  const r = await box.run('localhost/sdk-vol:1', ['-c', 'cat /data/f'], { rm: true, volume: ['sdkdata:/data'] })
  t.is(r.stdout.toString(), 'kept\n')
  t.true((await box.volumes.list()).some((x) => x.Name === 'sdkdata'))
  t.deepEqual((await box.volumes.inspect('sdkdata')).Labels, { app: 'sdk' })
  t.deepEqual(await box.volumes.remove(['sdkdata']), ['sdkdata'])
  const e = await t.throwsAsync(box.volumes.inspect('sdkdata'), { instanceOf: TscBoxError })
  t.is(e?.code, 'no_such_volume')
})

// Bridges need root (a rootless caller's containers use slirp4netns).
serialIf(process.getuid?.() === 0, 'needs root: a network is a bridge on the host')('networks: create, join from a run, list, inspect, remove', async (t) => {
  const box = new TscBox({ root: makeDataRoot(), runtime: RUNTIME })
  const name = `sdknet${process.pid}`
  const n = await box.networks.create(name)
  t.teardown(() => box.networks.remove(name).catch(() => undefined))
  t.is(n.name, name)
  t.true((await box.networks.list()).some((x) => x.name === name))
  t.is((await box.networks.inspect(name)).subnet, n.subnet)
  const r = await box.run('host:/bin/cat', ['/etc/hosts'], { rm: true, network: name })
  t.is(r.exitCode, 0, r.stderr.toString())
  t.deepEqual(await box.networks.remove(name), [name])
})
