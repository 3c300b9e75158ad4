import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { processUsage, subtract } from "../process-usage";

/** A child that spins for `busyMs`, says so on stdout, then sleeps until killed. */
function spinThenSleep(busyMs: number): { child: ChildProcess; spun: Promise<void> } {
  const child = spawn(process.execPath, ["-e", `const t = Date.now(); while (Date.now() - t < ${busyMs}); console.log("spun"); setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "inherit"] });
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

describe("processUsage", () => {
  it("counts this process's CPU time in ms", () => {
    const before = processUsage(process.pid);
    const t = performance.now();
    while (performance.now() - t < 80);
    const used = subtract(processUsage(process.pid), before);
    expect(used.cpuMs).toBeGreaterThanOrEqual(60);
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

  it("an unknown pid gives NaN, a pid that is gone gives zero", () => {
    expect(processUsage(undefined).cpuMs).toBeNaN();
    expect(processUsage(2 ** 22 + 12345)).toEqual({ cpuMs: 0, runQueueMs: 0 });
  });
});
