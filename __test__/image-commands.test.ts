// images, tag, rmi, image inspect and image prune behave like docker's, with --json.
import test from 'ava'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'

function rootWithEnv(): string {
  const root = makeDataRoot()
  const r = tsc(root, ['image', 'from-host', 'envimg', '/usr/bin/env'])
  if (r.code !== 0) throw new Error(r.stderr)
  return root
}

const json = (root: string, args: string[]) => {
  const r = tsc(root, [...args, '--json'])
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stdout} ${r.stderr}`)
  return JSON.parse(r.stdout)
}

test('images lists every reference with sizes, in a table and as JSON', (t) => {
  const root = rootWithEnv()
  t.is(tsc(root, ['tag', 'envimg', 'localhost/other:2']).code, 0)
  const list = json(root, ['images'])
  t.deepEqual(list.map((e: { repository: string; tag: string }) => `${e.repository}:${e.tag}`).sort(), ['envimg:latest', 'localhost/other:2'])
  t.is(list[0].id, list[1].id)
  t.true(list[0].size > 0 && list[0].unpackedSize > list[0].size)
  const table = tsc(root, ['images']).stdout
  t.regex(table, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE/)
  t.regex(table, new RegExp(`envimg\\s+latest\\s+${list[0].id.slice(7, 19)}`))
  t.is(tsc(root, ['images', '-q']).stdout, `${list[0].id.slice(7, 19)}\n`)
})

test('image inspect shows config, layers and references', (t) => {
  const root = rootWithEnv()
  const [img] = json(root, ['image', 'inspect', 'envimg'])
  t.deepEqual(img.RepoTags, ['envimg:latest'])
  t.is(img.RootFS.Layers.length, 1)
  t.is(img.Os, 'linux')
  // By ID prefix and by digest too.
  t.is(json(root, ['image', 'inspect', img.Id.slice(7, 19)])[0].Digest, img.Digest)
  t.is(json(root, ['image', 'inspect', img.Digest])[0].Id, img.Id)
})

test('rmi untags while other references remain, then deletes and frees the content', (t) => {
  const root = rootWithEnv()
  tsc(root, ['tag', 'envimg', 'localhost/other:2'])
  t.deepEqual(json(root, ['rmi', 'envimg']), [{ untagged: 'docker.io/library/envimg:latest' }])
  const events = json(root, ['rmi', 'localhost/other:2'])
  t.is(events.at(-1).deleted.slice(0, 7), 'sha256:')
  t.deepEqual(json(root, ['images']), [])
  t.deepEqual(readdirSync(join(root, 'images/blobs/sha256')), [])
  t.deepEqual(readdirSync(join(root, 'images/layers')), [])
})

test('rmi by ID of an image with several references needs --force', (t) => {
  const root = rootWithEnv()
  tsc(root, ['tag', 'envimg', 'localhost/other:2'])
  const id = json(root, ['images'])[0].id.slice(7, 19)
  const r = tsc(root, ['rmi', id, '--json'])
  t.is(r.code, 125)
  t.is(JSON.parse(r.stdout).error.code, 'image_conflict')
  t.is(tsc(root, ['rmi', '-f', id]).code, 0)
  t.deepEqual(json(root, ['images']), [])
})

test('rmi refuses an image a container uses', (t) => {
  const root = rootWithEnv()
  t.is(tsc(root, ['run', 'envimg']).code, 0)
  const r = tsc(root, ['rmi', 'envimg', '--json'])
  t.is(r.code, 125)
  t.is(JSON.parse(r.stdout).error.code, 'image_in_use')
  t.is(json(root, ['images']).length, 1)
})

test('image prune removes dangling images; -a every unused one', (t) => {
  const root = rootWithEnv()
  const envId = json(root, ['images'])[0].id
  // Re-pointing envimg at another image leaves the env image without references: dangling.
  const b = tsc(root, ['image', 'from-host', 'envimg', '/bin/busybox'])
  t.is(b.code, 0, b.stderr)
  t.is(json(root, ['images']).filter((e: { repository: string }) => e.repository === '<none>').length, 1)
  const pruned = json(root, ['image', 'prune'])
  t.deepEqual(pruned.deleted, [envId])
  t.true(pruned.spaceReclaimed > 0)
  t.deepEqual(
    json(root, ['images']).map((e: { repository: string }) => e.repository),
    ['envimg'],
  )
  const all = json(root, ['image', 'prune', '-a'])
  t.is(all.deleted.length, 1)
  t.deepEqual(json(root, ['images']), [])
  t.deepEqual(readdirSync(join(root, 'images/blobs/sha256')), [])
})

test('tag refuses invalid references and unknown images', (t) => {
  const root = rootWithEnv()
  for (const [args, code] of [
    [['envimg', 'Bad:Ref'], 'invalid_reference'],
    [['nope', 'x:1'], 'image_not_found'],
  ] as const) {
    const r = tsc(root, ['tag', ...args, '--json'])
    t.is(r.code, 125)
    t.is(JSON.parse(r.stdout).error.code, code)
  }
})
