// Tests that need something this host may lack (root, IPv6, strace, ...): where it is there
// they run serially; where it is not they are registered as skipped with the reason in the
// title, so a skip is reported as a skip and says why, never as a pass.
import test, { type ExecutionContext } from 'ava'

export type Body = (t: ExecutionContext) => void | Promise<void>

/** `test.serial` when `ok`, else a skipped test whose title ends with `(skipped: reason)`. */
export function serialIf(ok: boolean, reason: string): (title: string, fn: Body) => void {
  return (title, fn) => (ok ? test.serial(title, fn) : test.skip(`${title} (skipped: ${reason})`, fn))
}
