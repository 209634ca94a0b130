// SWIM's "Reactive2" adaptation manager: the same rules without the spare-utilization condition.
import { swimReactive } from './swim-reactive-rules.js';

export default swimReactive('swim-reactive2', false);
