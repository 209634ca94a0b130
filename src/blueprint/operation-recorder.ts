import type { SchedulerLike } from 'rxjs';
import type { Knowledge } from '../knowledge/knowledge.js';
import type { RecordOperation } from '../effectors/progressive/operation-record.js';

/**
 * The deployment's recorder of operation steps: each becomes a Decision of policy `<entity>/<operation>`
 * in knowledge (so the decision stream, the console and the metrics carry it), stamped with scheduler time.
 * `idTag` goes into the ids, as the engine's `decisionIdTag` does.
 */
export function operationRecorder(knowledge: Knowledge, scheduler: SchedulerLike, idTag?: string): RecordOperation {
  let sequence = 0;
  return (record) => {
    const at = scheduler.now();
    knowledge.recordDecision({
      id: idTag === undefined ? `d-${at}-op${++sequence}` : `d-${at}-${idTag}-op${++sequence}`,
      at,
      entity: record.entity,
      policy: `${record.entity}/${record.operation}`,
      policyName: record.operation,
      symptom: record.symptom,
      actions: record.actions,
      reason: record.reason,
      inputs: [],
      outcome: record.outcome,
      ...(record.detail === undefined ? {} : { detail: record.detail }),
      ...(record.error === undefined ? {} : { error: record.error }),
      durations: { analyzeMs: 0, planMs: 0, executeMs: 0 },
    });
  };
}
