/**
 * The signals `tsc-box run` passes on to the container (through the runtime, which forwards
 * them to its init). Installed as soon as `run` starts, so that a signal arriving while the
 * container is still being set up is held and delivered once the runtime exists, instead of
 * killing tsc-box half-way and leaving a half-created container behind.
 */

/** The signals docker's sig-proxy forwards and the issue asks for. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']

export class SignalForwarder {
  private target = 0
  private readonly pending: NodeJS.Signals[] = []
  private readonly handlers: Array<[NodeJS.Signals, () => void]>

  constructor(private readonly kill: (pid: number, sig: NodeJS.Signals) => void = process.kill.bind(process)) {
    this.handlers = FORWARDED_SIGNALS.map((sig) => {
      const h = () => this.receive(sig)
      process.on(sig, h)
      return [sig, h]
    })
  }

  receive(sig: NodeJS.Signals): void {
    if (this.target === 0) this.pending.push(sig)
    else this.send(sig)
  }

  /** Forwards what was held, then everything that arrives, to `pid`. */
  attach(pid: number): void {
    this.target = pid
    for (const sig of this.pending.splice(0)) this.send(sig)
  }

  /** The target exited: hold signals again (until dispose) rather than dying of them. */
  detach(): void {
    this.target = 0
  }

  dispose(): void {
    for (const [sig, h] of this.handlers) process.off(sig, h)
  }

  private send(sig: NodeJS.Signals): void {
    try {
      this.kill(this.target, sig)
    } catch {
      // the runtime already exited; its status is on the way
    }
  }
}
