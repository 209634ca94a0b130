/**
 * Ids of the form `<prefix><now>-<tag><n>` (`d-1700000000000-7`, `inv-5-12`), `n` counting from 1. The part
 * before the number is made once per instant, not for every id: a burst of readings takes many ids at one
 * instant, and a template of four parts builds a string for each part it adds.
 */
export class TimedIds {
  private at = Number.NaN;
  private head = '';
  private sequence = 0;

  constructor(
    private readonly prefix: string,
    private readonly tag = '',
  ) {}

  /** The next id, taken at `now` (scheduler ms). */
  next(now: number): string {
    if (now !== this.at) {
      this.at = now;
      this.head = `${this.prefix}${now}-${this.tag}`;
    }
    return `${this.head}${++this.sequence}`;
  }
}
