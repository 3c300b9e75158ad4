import { describe, expect, it } from "vitest";
import { bytesPromotedFrom, payload } from "@/tests/helpers/young-garbage";
import { pushedBodyOf, pushedTextResponse, rawBodyOf, textResponse, writeTextBodiesFromString } from "../respond";

// As in the front server's process: bodies ride on the Response, to be written from there.
writeTextBodiesFromString();

/**
 * The least promoted over three runs: the first run also pays for one-time structures.
 * (Text bodies are strings with no references out; the WeakMap that used to hold them did not keep
 * them, so only the pushed body, whose source closes over the request, is measured here.)
 */
async function leastPromoted(run: () => void): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push(await bytesPromotedFrom(run));
  return Math.min(...runs);
}

describe("front-server response bodies die young with their Response", () => {
  it("a pushed body holding 1.6 MB, dropped: under 200 KB survives two scavenges (a WeakMap keyed by the Response kept all of it)", async () => {
    const promoted = await leastPromoted(() => {
      const held = payload();
      const response = pushedTextResponse({ start: (sink) => sink.write(String(held.length)), cancel: () => {} }, { status: 200 });
      expect(pushedBodyOf(response)).toBeDefined();
    });
    expect(promoted).toBeLessThan(200_000);
  });

  it("a text body is read back from its Response; other Responses carry no body of ours", () => {
    const body = JSON.stringify({ ok: true });
    expect(rawBodyOf(textResponse(body, { status: 200 }))).toBe(body);
    const plain = new Response("x");
    expect(rawBodyOf(plain)).toBeUndefined();
    expect(pushedBodyOf(plain)).toBeUndefined();
  });
});
