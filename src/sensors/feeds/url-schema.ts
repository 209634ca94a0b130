import { z } from 'zod';
import { badPortProblem } from './fetch-bad-ports.js';

const PLACEHOLDER = /\{\{[^{}]*\}\}/g;

/**
 * An http(s) URL, possibly with `{{...}}` placeholders (checked with each placeholder read as `1`, so
 * `http://127.0.0.1:{{config.port}}/metrics` passes and `htp:/x` does not).
 */
export const httpUrlSchema = z.string({ error: "a feed needs a 'url'" }).refine((text) => {
  try {
    const url = new URL(text.replace(PLACEHOLDER, '1'));
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}, { message: 'not an http(s) URL' }).refine((text) => {
  try {
    const url = new URL(text.replace(PLACEHOLDER, '1'));
    return url.username === '' && url.password === '';
  } catch {
    return true;
  }
}, { message: 'credentials in a URL would sit in the blueprint text; use auth with { secret: { env } } or { secret: { file } }' }).superRefine((text, ctx) => {
  // a placeholder is read as 8 here (a port made of placeholders is known only at run time, and 1 is a bad port)
  let url: URL;
  try {
    url = new URL(text.replace(PLACEHOLDER, '8'));
  } catch {
    return;
  }
  const problem = badPortProblem(url);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});
