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

const MISSING = /^Invalid input: expected (\w+), received undefined/;

/**
 * A zod issue's message in the words of a blueprint: a key left out is `required (a number)`, not zod's
 * `Invalid input: expected number, received undefined` (nor `expected nonoptional` for a key with a default
 * that must be given). Any other message is returned as it is.
 */
export function plainIssueMessage(message: string): string {
  return message.replace(MISSING, (_all, type: string) => (type in TYPE_NAMES ? `required (${TYPE_NAMES[type] as string})` : 'required'));
}
