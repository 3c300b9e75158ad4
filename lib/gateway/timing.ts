/**
 * Phase timings for the `server-timing` response header (shown by browsers' dev tools and easy to
 * log), so "where did the gateway's milliseconds go" is answerable per request in production.
 */
export class PhaseTimer {
  private last = performance.now();
  private readonly phases: string[] = [];

  /** Records the time since the previous mark under `name`. */
  mark(name: string): void {
    const now = performance.now();
    this.phases.push(`${name};dur=${(now - this.last).toFixed(2)}`);
    this.last = now;
  }

  header(): string {
    return this.phases.join(", ");
  }
}
