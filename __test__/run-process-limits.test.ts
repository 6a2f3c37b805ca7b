// docker's --ulimit (process.rlimits, set in the container before its command runs) and
// --shm-size (the size of /dev/shm), with docker's syntax; bad values are refused naming the
// flag, with exit 125 and nothing left behind.
import test from 'ava'
import { serialIf } from './helpers/conditional'
import { makeDataRoot, tsc } from './helpers/cli'

const isRoot = process.getuid?.() === 0
const rootTest = serialIf(isRoot, 'needs root: the containers of this test run as root')

rootTest('--ulimit sets soft and hard limits in the container; the hard one defaults to the soft', (t) => {
  const root = makeDataRoot()
  const r = tsc(root, [
    'run',
    '--rm',
    '--ulimit',
    'nofile=1000:2000',
    '--ulimit',
    'nproc=300',
    'host:/bin/sh',
    '-c',
    'ulimit -Sn; ulimit -Hn; ulimit -Sp; ulimit -Hp',
  ])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, '1000\n2000\n300\n300\n')
})

rootTest('--shm-size sizes /dev/shm; without it /dev/shm is 64m, as docker', (t) => {
  const root = makeDataRoot()
  const line = (args: string[]) =>
    tsc(root, ['run', '--rm', ...args, 'host:/bin/sh', '-c', 'while read l; do case "$l" in *" /dev/shm "*) echo "$l";; esac; done < /proc/mounts']).stdout
  t.regex(line(['--shm-size', '8m']), /size=8192k/)
  t.regex(line([]), /size=65536k/)
})

for (const [args, pattern] of [
  [['--ulimit', 'bogus=1'], /invalid --ulimit "bogus=1": unknown limit "bogus"/],
  [['--ulimit', 'nofile=5:2'], /the soft limit 5 is above the hard limit 2/],
  [['--ulimit', 'nofile'], /expected NAME=SOFT\[:HARD\]/],
  [['--ulimit', 'nofile=x'], /"x" is not a number/],
  [['--shm-size', '0'], /invalid --shm-size "0": must be greater than 0/],
  [['--shm-size', 'lots'], /invalid --shm-size "lots"/],
] as [string[], RegExp][]) {
  test(`${args.join(' ')} is refused with exit 125, naming the problem, leaving no container`, (t) => {
    const root = makeDataRoot()
    const r = tsc(root, ['run', '--rm', '--json', ...args, 'host:/bin/true'])
    t.is(r.code, 125, r.stderr)
    t.regex(JSON.parse(r.stdout).error.message, pattern)
    t.deepEqual(JSON.parse(tsc(root, ['ps', '-a', '--json']).stdout), [])
  })
}
