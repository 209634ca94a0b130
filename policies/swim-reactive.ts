// SWIM's "Reactive" adaptation manager: scales in only with more than one server's worth of spare utilization.
import { swimReactive } from './swim-reactive-rules.js';

export default swimReactive('swim-reactive', true);
