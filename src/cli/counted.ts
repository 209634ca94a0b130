/** `1 policy`, `2 policies`: a count with its noun in the number it takes (`many` defaults to `one` + s). */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
