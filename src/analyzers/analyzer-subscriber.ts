import { Observable, Subscriber, type OperatorFunction } from 'rxjs';

/**
 * Base of homeostat's operators, shaped like RxJS's own: a Subscriber that keeps its state in fields and
 * handles each value in `onValue`. One object per subscription (no wrapper, observer and closure per hop)
 * keeps the hot path short, and an exception in `onValue` goes down the error channel, where the engine
 * isolates the policy, instead of escaping as an unhandled error.
 *
 * (Subclassing Subscriber is supported in RxJS 7, which this project pins.)
 */
export abstract class AnalyzerSubscriber<I, O> extends Subscriber<I> {
  protected readonly out: Subscriber<O>;

  constructor(destination: Subscriber<O>) {
    super(destination);
    this.out = destination;
  }

  /** Handles one value; call `this.out.next(...)` to emit. */
  protected abstract onValue(value: I): void;

  protected override _next(value: I): void {
    try {
      this.onValue(value);
    } catch (error) {
      this.out.error(error);
    }
  }
}

/** Makes an operator from a subscriber factory: `source.pipe(analyzerOperator((out) => new MySubscriber(out)))`. */
export function analyzerOperator<I, O>(create: (destination: Subscriber<O>) => Subscriber<I>): OperatorFunction<I, O> {
  return (source) => new Observable<O>((destination) => source.subscribe(create(destination)));
}
