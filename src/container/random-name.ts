/** docker-style default names (adjective_noun) for containers started without --name. */
import {randomInt} from 'node:crypto'

const ADJECTIVES = [
  'brave', 'calm', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry',
  'nimble', 'proud', 'quiet', 'rapid', 'sharp', 'tender', 'upbeat', 'vivid', 'witty', 'zen',
]
const NOUNS = [
  'babbage', 'curie', 'darwin', 'euler', 'fermi', 'gauss', 'hopper', 'kepler', 'lovelace', 'noether',
  'pascal', 'ritchie', 'shannon', 'thompson', 'turing', 'volta', 'wozniak', 'yalow', 'zuse', 'hypatia',
]

export function randomName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NOUNS[randomInt(NOUNS.length)]}_${randomInt(1000, 10000)}`
}
