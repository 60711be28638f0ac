/**
 * Virtual time for API tests: the simulated network's scheduler (harness/net/scheduler.ts), on
 * which nothing happens until `advance`, which fires the timers that fall due in the order of
 * their deadlines, letting promises and the event loop settle after each one.
 */
export { Scheduler as VirtualClock, settle } from '../harness/net/scheduler.ts';
