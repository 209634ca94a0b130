/** What zod calls a type, as a blueprint's author reads it. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
  tuple: 'a list',
};

/** What zod says it received, as a blueprint's author reads it (YAML's words). */
const RECEIVED_NAMES: Readonly<Record<string, string>> = {
  ...TYPE_NAMES,
  boolean: 'true or false (a boolean)',
  null: 'nothing (null)',
  nan: 'NaN',
};

const MISSING = /^Invalid input: expected (\w+), received undefined/;
// zod's whole message, or one a caller named its source after (` (policy 'autoscaler')`)
const WRONG_TYPE = /^Invalid input: expected (\w+), received (\w+)(?=$| \()/;

/**
 * A zod issue's message in the words of a blueprint: a key left out is `required (a number)`, not zod's
 * `Invalid input: expected number, received undefined` (nor `expected nonoptional` for a key with a default
 * that must be given); a value of the wrong type is `expected a string, got a number`, not zod's `Invalid
 * input: expected string, received number`. Any other message is returned as it is.
 */
export function plainIssueMessage(message: string): string {
  if (MISSING.test(message)) return message.replace(MISSING, (_all, type: string) => (type in TYPE_NAMES ? `required (${TYPE_NAMES[type] as string})` : 'required'));
  return message.replace(WRONG_TYPE, (all, expected: string, received: string) => {
    const want = TYPE_NAMES[expected];
    return want === undefined ? all : `expected ${want}, got ${RECEIVED_NAMES[received] ?? received}`;
  });
}
