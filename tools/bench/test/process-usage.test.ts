import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { parentPidOf, parseSchedstat, processUsage, subtract, usageSnapshot, usedBetween } from "../process-usage";

/** Spins until this process has used `ms` more of CPU time (not wall time: the machine may be busy). */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

/** A child that spins for `busyMs` of CPU time, says so on stdout, then sleeps until killed. */
function spinThenSleep(busyMs: number): { child: ChildProcess; spun: Promise<void> } {
  const script = `const s = process.cpuUsage(); for (;;) { const u = process.cpuUsage(s); if ((u.user + u.system) / 1000 >= ${busyMs}) break; } console.log("spun"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const spun = new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  return { child, spun };
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

describe("the /proc lines it reads", () => {
  it("schedstat: the first field is time on a CPU, the second time waiting for one (ns → ms)", () => {
    expect(parseSchedstat("35173269622 15928063245 74088\n")).toEqual({ cpuMs: 35173.269622, runQueueMs: 15928.063245 });
  });

  it("stat: the parent pid follows the state, after a command name that may hold spaces and ')'", () => {
    expect(parentPidOf("24080 (postgres: postgres meterline 127.0.0.1(38892) idle) S 23962 23962 23915 0 -1")).toBe(23962);
    expect(parentPidOf("1 (node) R 0 1 1 0 -1")).toBe(0);
  });
});

describe("processUsage", () => {
  it("counts this process's CPU time in ms", () => {
    const before = processUsage(process.pid);
    burnCpu(80);
    const used = subtract(processUsage(process.pid), before);
    expect(used.cpuMs).toBeGreaterThanOrEqual(75);
    expect(used.cpuMs).toBeLessThan(5_000);
    expect(used.runQueueMs).toBeGreaterThanOrEqual(0);
  });

  it("with children, adds the direct children's threads; without, leaves them out", async () => {
    const { child, spun } = spinThenSleep(300);
    children.push(child);
    await spun;
    const alone = processUsage(process.pid);
    const withChildren = processUsage(process.pid, { withChildren: true });
    expect(withChildren.cpuMs - alone.cpuMs).toBeGreaterThanOrEqual(250);
    expect(processUsage(child.pid).cpuMs).toBeGreaterThanOrEqual(250);
  });

  it("counts run-queue wait: more spinning threads than cores must wait for one", async () => {
    // One more spinner than there are cores: at any moment one of them is runnable but not running.
    const spinners = Array.from({ length: os.availableParallelism() + 1 }, () => spinThenSleep(400));
    children.push(...spinners.map((s) => s.child));
    await Promise.all(spinners.map((s) => s.spun));
    const waited = spinners.reduce((sum, s) => sum + processUsage(s.child.pid).runQueueMs, 0);
    expect(waited).toBeGreaterThan(50);
  });

  it("usedBetween: a child started in the window counts in full, one that exited is not subtracted", async () => {
    const first = spinThenSleep(300);
    children.push(first.child);
    await first.spun;
    const before = usageSnapshot(process.pid, { withChildren: true });
    expect(before.has(first.child.pid!)).toBe(true);
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    const second = spinThenSleep(200);
    children.push(second.child);
    await second.spun;
    const after = usageSnapshot(process.pid, { withChildren: true });
    expect(after.has(first.child.pid!)).toBe(false);
    // The second child's ≈ 200 ms, plus a little of this process; minus the first's 300 ms if the
    // exited child were subtracted, or without the second's if only processes in both counted.
    expect(usedBetween(before, after).cpuMs).toBeGreaterThanOrEqual(150);
  });

  it("an unknown pid gives NaN, a pid that is gone gives zero", () => {
    expect(processUsage(undefined).cpuMs).toBeNaN();
    expect(processUsage(2 ** 22 + 12345)).toEqual({ cpuMs: 0, runQueueMs: 0 });
  });
});
