import v8 from "node:v8";
import vm from "node:vm";

/**
 * How many bytes of what `run` allocated and dropped were still alive after two young-generation
 * collections (scavenges) — promoted into the old generation instead of dying young.
 *
 * Garbage that outlives two scavenges is copied twice and then stays in the old generation until a
 * full collection: on the gateway's hot path that made every scavenge pause the process for
 * 5–10 ms (lib/gateway/README.md, "Garbage the collector had to copy"). Real collections on the
 * real V8 (`gc` exposed at run time), measured with the heap's own space statistics.
 */
export async function bytesPromotedFrom(run: () => void | Promise<void>): Promise<number> {
  const gc = exposedGc();
  gc();
  await nextTask();
  const before = oldGenerationUsed();
  await run();
  await nextTask();
  gc({ type: "minor" });
  gc({ type: "minor" });
  return oldGenerationUsed() - before;
}

/** Small objects, ≈ 1.6 MB of them: a payload large enough to see, made of what requests are made of. */
export function payload(): { i: number }[] {
  return Array.from({ length: 50_000 }, (_, i) => ({ i }));
}

type Gc = (options?: { type: "minor" | "major" }) => void;
let gcFn: Gc | undefined;

function exposedGc(): Gc {
  if (!gcFn) {
    v8.setFlagsFromString("--expose-gc");
    gcFn = vm.runInNewContext("gc") as Gc;
  }
  return gcFn;
}

function oldGenerationUsed(): number {
  return v8
    .getHeapSpaceStatistics()
    .filter((s) => s.space_name === "old_space" || s.space_name === "large_object_space")
    .reduce((sum, s) => sum + s.space_used_size, 0);
}

const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));
