import type { OperatorFunction, Subscriber } from 'rxjs';
import type { Symptom } from '../policies/define-policy.js';
import type { Observation } from '../sensors/reading.js';
import { NOT_QUIET, type QuietRange, type ReadingOrigin } from '../sensors/reading-sink.js';
import { describeValue } from '../sensors/reading-validator.js';
import { analyzerOperator } from './analyzer-subscriber.js';
import { ReadingAnalyzerSubscriber } from './reading-analyzer-subscriber.js';

/** Options of `threshold`. Give `above`, `below` or both. */
export interface ThresholdOptions {
  /** A reading strictly above this is `above`. */
  readonly above?: number;
  /** A reading strictly below this is `below`. */
  readonly below?: number;
  /** Margin a reading must cross back before the level returns to `normal` (prevents chatter). Default 0. */
  readonly hysteresis?: number;
  /** `change` (default): emit when the level changes. `every`: emit every reading that is above or below. */
  readonly emit?: 'change' | 'every';
}

/** A threshold symptom: the level and the reading that put it there. */
export interface ThresholdSymptom extends Symptom {
  readonly kind: 'above' | 'below' | 'normal';
  readonly detail: { readonly value: number; readonly bound: number | undefined };
}

/**
 * One level of one rule, with the readings that keep it without a symptom (its `QuietRange`): made once per
 * rule, so a subscriber's level is a pointer, and a sensor can skip those readings by comparing two shared
 * numbers.
 */
interface ThresholdLevel extends QuietRange {
  readonly kind: ThresholdSymptom['kind'];
}

/** A level and the readings that keep it quietly (NaN: none, every reading is looked at). */
function levelOf(kind: ThresholdSymptom['kind'], quiet: QuietRange): ThresholdLevel {
  return Object.freeze({ kind, low: quiet.low, high: quiet.high });
}

/**
 * The bounds of a threshold. Many policies of a tree share the same ones (`above: 0.9` on a million servers):
 * one frozen rule serves them all, where bounds kept in each subscriber would cost it four fields and three
 * number boxes. Shared, the rule's cache line also stays warm across the subscribers that read it.
 */
class ThresholdRule {
  /** The operator of these bounds, made once: applying it allocates nothing but the stream. */
  readonly operator: OperatorFunction<Observation<number>, ThresholdSymptom>;
  /** `normal` holds strictly between the bounds (a reading on a bound is looked at, and found normal). */
  readonly normal: ThresholdLevel;
  /** `above` holds over `above - hysteresis`; with `every`, each reading there is a symptom: none is quiet. */
  readonly aboveLevel: ThresholdLevel;
  /** `below` holds under `below + hysteresis` (and not over `above`); none is quiet with `every`. */
  readonly belowLevel: ThresholdLevel;

  constructor(
    readonly above: number,
    readonly below: number,
    readonly hysteresis: number,
    readonly every: boolean,
  ) {
    this.operator = analyzerOperator((out: Subscriber<ThresholdSymptom>) => new ThresholdSubscriber(out, this));
    this.normal = levelOf('normal', { low: below, high: above });
    this.aboveLevel = levelOf('above', every ? NOT_QUIET : { low: above - hysteresis, high: Infinity });
    this.belowLevel = levelOf('below', every ? NOT_QUIET : { low: -Infinity, high: Math.min(below + hysteresis, above) });
    Object.freeze(this);
  }
}

/**
 * The rules made so far, looked up by their bounds (a scan: a handful of distinct bounds is the common case,
 * and a key string per lookup would be garbage for every started policy). Past `MAX_RULES` distinct ones,
 * each new set of bounds gets a rule of its own, not kept.
 */
const rules: ThresholdRule[] = [];
const MAX_RULES = 64;

/** The shared rule for these bounds (bounds compared with `Object.is`: a symptom reports -0 as given). */
function ruleOf(above: number, below: number, hysteresis: number, every: boolean): ThresholdRule {
  for (const rule of rules) {
    if (Object.is(rule.above, above) && Object.is(rule.below, below) && Object.is(rule.hysteresis, hysteresis) && rule.every === every) return rule;
  }
  const rule = new ThresholdRule(above, below, hysteresis, every);
  if (rules.length < MAX_RULES) rules.push(rule);
  return rule;
}

/** Classifies each reading's value; builds the symptom, and the Observation it lists, only on a crossing. */
class ThresholdSubscriber extends ReadingAnalyzerSubscriber<number, ThresholdSymptom> {
  private level: ThresholdLevel;

  constructor(
    destination: Subscriber<ThresholdSymptom>,
    private readonly rule: ThresholdRule,
  ) {
    super(destination);
    this.level = rule.normal;
  }

  /** @returns the level it is at once the reading is handled (re-entrant readings included): what it ignores */
  protected onReading(v: number, at: number, observation: Observation<number> | undefined, origin: ReadingOrigin | undefined): QuietRange {
    const level = this.level;
    const rule = this.rule;
    let next: ThresholdLevel;
    if (v > rule.above || (level === rule.aboveLevel && v > rule.above - rule.hysteresis)) next = rule.aboveLevel;
    else if (v < rule.below || (level === rule.belowLevel && v < rule.below + rule.hysteresis)) next = rule.belowLevel;
    else next = rule.normal;
    if (next === level && !(next !== rule.normal && rule.every)) return level;
    this.emitLevel(next, v, at, observation, origin);
    return this.level;
  }

  /** Moves to `next` and emits its symptom (a method of its own: `onReading` stays small enough to inline). */
  private emitLevel(next: ThresholdLevel, v: number, at: number, observation: Observation<number> | undefined, origin: ReadingOrigin | undefined): void {
    this.level = next;
    const kind = next.kind;
    const bound = kind === 'above' ? this.rule.above : kind === 'below' ? this.rule.below : undefined;
    this.out.next({ kind, inputs: [this.inputOf(v, at, observation, origin)], detail: { value: v, bound } });
  }
}

/**
 * Classifies numeric observations against bounds with hysteresis. The level starts `normal`; with
 * `emit: 'change'` the first `normal` reading emits nothing.
 * @throws RangeError when neither bound is given, a bound is not a number (NaN), the hysteresis is not a finite
 *   number of 0 or more, `below` > `above`, or `emit` is neither `change` nor `every`
 */
export function threshold(options: ThresholdOptions): OperatorFunction<Observation<number>, ThresholdSymptom> {
  const { above, below, hysteresis = 0, emit = 'change' } = options;
  if (above === undefined && below === undefined) throw new RangeError('threshold needs `above`, `below` or both');
  checkBound('above', above);
  checkBound('below', below);
  if (typeof hysteresis !== 'number' || !(hysteresis >= 0) || hysteresis === Infinity) {
    throw new RangeError(`threshold: \`hysteresis\` must be a finite number of 0 or more, got ${describeValue(hysteresis)}`);
  }
  if (above !== undefined && below !== undefined && below > above) throw new RangeError(`threshold: below (${below}) exceeds above (${above})`);
  // a misspelt emit ('evry') would otherwise read as 'change' and silently drop every repeated breach
  if (emit !== 'change' && emit !== 'every') throw new RangeError(`threshold: \`emit\` must be 'change' or 'every', got ${describeValue(emit)}`);
  return ruleOf(above ?? Infinity, below ?? -Infinity, hysteresis, emit === 'every').operator;
}

/** @throws RangeError when a given bound is not a number (or is NaN) */
function checkBound(name: 'above' | 'below', bound: number | undefined): void {
  if (bound !== undefined && (typeof bound !== 'number' || Number.isNaN(bound))) throw new RangeError(`threshold: \`${name}\` must be a number, got ${describeValue(bound)}`);
}
