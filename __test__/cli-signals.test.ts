import test from 'ava'
import { FORWARDED_SIGNALS, SignalForwarder } from '../src/run/signals'

test('signals before the runtime exists are held, then delivered in order', (t) => {
  const sent: Array<[number, string]> = []
  const f = new SignalForwarder((pid, sig) => sent.push([pid, sig]))
  try {
    f.receive('SIGTERM')
    f.receive('SIGUSR1')
    t.deepEqual(sent, [])
    f.attach(42)
    f.receive('SIGHUP')
    t.deepEqual(sent, [
      [42, 'SIGTERM'],
      [42, 'SIGUSR1'],
      [42, 'SIGHUP'],
    ])
    f.detach()
    f.receive('SIGINT')
    t.is(sent.length, 3)
  } finally {
    f.dispose()
  }
})

test('a real signal to tsc-box reaches the forwarder instead of killing it', async (t) => {
  const sent: string[] = []
  const f = new SignalForwarder((_pid, sig) => sent.push(sig))
  try {
    f.attach(1234)
    process.kill(process.pid, 'SIGUSR2')
    await new Promise((r) => setTimeout(r, 50))
    t.deepEqual(sent, ['SIGUSR2'])
  } finally {
    f.dispose()
  }
  for (const sig of FORWARDED_SIGNALS) t.is(process.listenerCount(sig), 0, sig)
})

test('a runtime that already exited is not an error', (t) => {
  const f = new SignalForwarder(() => {
    throw Object.assign(new Error('ESRCH'), { code: 'ESRCH' })
  })
  try {
    f.attach(99999999)
    t.notThrows(() => f.receive('SIGTERM'))
  } finally {
    f.dispose()
  }
})
