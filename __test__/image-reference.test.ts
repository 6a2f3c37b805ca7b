// Reference normalisation follows docker's rules (distribution/reference), in one place.
import test from 'ava'
import { familiarName, hostImageReference, looksLikeId, normalizeReference } from '../src/image/reference'

const digest = `sha256:${'a'.repeat(64)}`

test('short names get docker.io/library and :latest', (t) => {
  t.is(normalizeReference('busybox'), 'docker.io/library/busybox:latest')
  t.is(normalizeReference('busybox:1.36'), 'docker.io/library/busybox:1.36')
  t.is(normalizeReference('me/app'), 'docker.io/me/app:latest')
  t.is(normalizeReference('index.docker.io/library/busybox'), 'docker.io/library/busybox:latest')
  t.is(normalizeReference('docker.io/busybox'), 'docker.io/library/busybox:latest')
})

test('a first component with a dot, a port or localhost is a registry', (t) => {
  t.is(normalizeReference('localhost:5000/app'), 'localhost:5000/app:latest')
  t.is(normalizeReference('localhost/app:v1'), 'localhost/app:v1')
  t.is(normalizeReference('quay.io/org/app'), 'quay.io/org/app:latest')
  t.is(normalizeReference('registry:5000/a/b/c:t'), 'registry:5000/a/b/c:t')
})

test('digests pin the content and are kept', (t) => {
  t.is(normalizeReference(`busybox@${digest}`), `docker.io/library/busybox@${digest}`)
  t.is(normalizeReference(`busybox:1.36@${digest}`), `docker.io/library/busybox@${digest}`)
})

test('invalid references are refused with invalid_reference', (t) => {
  for (const bad of ['', 'Busybox', 'a//b', 'busybox:', 'busybox:-x', 'bad@sha256:1234', '-x', 'a/B', 'x'.repeat(300)]) {
    const err = t.throws(() => normalizeReference(bad), undefined, bad) as { code?: string }
    t.is(err.code, 'invalid_reference', bad)
  }
})

test('familiar names drop docker.io/library', (t) => {
  t.deepEqual(familiarName('docker.io/library/busybox:latest'), { repository: 'busybox', tag: 'latest' })
  t.deepEqual(familiarName('docker.io/me/app:1'), { repository: 'me/app', tag: '1' })
  t.deepEqual(familiarName('localhost:5000/app:2'), { repository: 'localhost:5000/app', tag: '2' })
})

test('ids and host image references', (t) => {
  t.true(looksLikeId('0123abcd'))
  t.true(looksLikeId(digest))
  t.false(looksLikeId('busybox'))
  t.is(hostImageReference('/usr/bin/env'), 'localhost/host/usr/bin/env:latest')
  t.is(hostImageReference('/opt/My App/run.sh'), 'localhost/host/opt/my_app/run.sh:latest')
})
