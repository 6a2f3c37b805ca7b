/** docker-style default names (adjective_noun) for containers started without --name. */
import {randomBytes} from './id'

const ADJECTIVES = [
  'brave',
  'calm',
  'eager',
  'fancy',
  'gentle',
  'happy',
  'jolly',
  'keen',
  'lucid',
  'merry',
  'nimble',
  'proud',
  'quiet',
  'rapid',
  'sharp',
  'tender',
  'upbeat',
  'vivid',
  'witty',
  'zen',
]
const NOUNS = [
  'babbage',
  'curie',
  'darwin',
  'euler',
  'fermi',
  'gauss',
  'hopper',
  'kepler',
  'lovelace',
  'noether',
  'pascal',
  'ritchie',
  'shannon',
  'thompson',
  'turing',
  'volta',
  'wozniak',
  'yalow',
  'zuse',
  'hypatia',
]

export function randomName(): string {
  const r = randomBytes(4)
  const suffix = 1000 + (r.readUInt16LE(2) % 9000)
  return `${ADJECTIVES[r[0] % ADJECTIVES.length]}_${NOUNS[r[1] % NOUNS.length]}_${suffix}`
}
