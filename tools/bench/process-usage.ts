import fs from "node:fs";

/**
 * How much CPU a process has used and how long its threads have waited for one, from Linux's
 * per-thread /proc/<pid>/task/<tid>/schedstat (run time and run-queue wait, in ns).
 *
 * The wait is the figure that explains latency on a machine shared by the load generator, the app,
 * Postgres and the mock: a thread that was woken (a reply arrived) but found both cores busy waits
 * in the run queue, and that wait lands in somebody's request time. Threads that have exited are
 * not counted (their schedstat goes with them); the processes measured here keep theirs.
 */
export type ProcessUsage = { cpuMs: number; runQueueMs: number };

const ZERO: ProcessUsage = { cpuMs: 0, runQueueMs: 0 };

/** Usage so far of each process measured, by pid. */
export type UsageSnapshot = Map<number, ProcessUsage>;

/** `pid`'s threads, plus, with `withChildren`, those of its direct children (Postgres's backends). */
export function processUsage(pid: number | undefined, options: { withChildren?: boolean } = {}): ProcessUsage {
  if (!pid) return { cpuMs: Number.NaN, runQueueMs: Number.NaN };
  return [...usageSnapshot(pid, options).values()].reduce(add, ZERO);
}

/** Like processUsage, per process, so a window can be measured across children that come and go. */
export function usageSnapshot(pid: number | undefined, options: { withChildren?: boolean } = {}): UsageSnapshot {
  const snapshot: UsageSnapshot = new Map();
  if (!pid) return snapshot;
  for (const p of options.withChildren ? [pid, ...childrenOf(pid)] : [pid]) {
    const usage = threadsUsage(p);
    if (usage) snapshot.set(p, usage); // null: it exited meanwhile
  }
  return snapshot;
}

/**
 * What the processes used between two snapshots. A process that started in between counts in
 * full; one that exited in between is not counted at all (its counts left with it) rather than
 * subtracted — Postgres starts and ends autovacuum workers during a cell.
 */
export function usedBetween(before: UsageSnapshot, after: UsageSnapshot): ProcessUsage {
  let used = ZERO;
  for (const [pid, now] of after) used = add(used, subtract(now, before.get(pid) ?? ZERO));
  return used;
}

export function add(a: ProcessUsage, b: ProcessUsage): ProcessUsage {
  return { cpuMs: a.cpuMs + b.cpuMs, runQueueMs: a.runQueueMs + b.runQueueMs };
}

export function subtract(after: ProcessUsage, before: ProcessUsage): ProcessUsage {
  return { cpuMs: after.cpuMs - before.cpuMs, runQueueMs: after.runQueueMs - before.runQueueMs };
}

function threadsUsage(pid: number): ProcessUsage | null {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let used = ZERO;
  for (const tid of tids) {
    const text = readOrNull(`/proc/${pid}/task/${tid}/schedstat`);
    if (text) used = add(used, parseSchedstat(text));
  }
  return used;
}

/** One /proc/…/schedstat line: "<ns on a CPU> <ns runnable, waiting for one> <timeslices>". */
export function parseSchedstat(text: string): ProcessUsage {
  const [runNs, waitNs] = text.trim().split(" ").map(Number);
  return { cpuMs: runNs! / 1e6, runQueueMs: waitNs! / 1e6 };
}

/** The parent pid from a /proc/<pid>/stat line (field 4); the command name before it, in parentheses, may hold spaces and ")". */
export function parentPidOf(statLine: string): number {
  return Number(statLine.slice(statLine.lastIndexOf(")") + 2).split(" ")[1]);
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readOrNull(`/proc/${entry}/stat`);
    if (stat && parentPidOf(stat) === pid) children.push(Number(entry));
  }
  return children;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}
