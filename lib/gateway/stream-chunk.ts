/**
 * An upstream stream chunk as the gateway forwards it: our request id and model in place of the
 * provider's, and no `usage` (the gateway sends its own, with credits, at the end).
 *
 * Spliced into the text as received when the provider writes compact JSON the way JSON.stringify
 * does (OpenAI, vLLM, the mock): the id first, `"model":…` once, `"usage":null` once or not at all.
 * The result is then byte for byte what re-serialising the parsed chunk gives, without building it:
 * re-serialising the 40-odd chunks of a stream was the front server's largest allocation per
 * streamed call, and allocation is what sets how often the garbage collector pauses it
 * (lib/gateway/README.md, "Garbage the collector had to copy"). Any other shape is re-serialised.
 */
export function chunkForwarder(id: string, model: string): (data: string, chunk: Record<string, unknown>) => string {
  // Ours are the same for every chunk of the stream: serialised once, not per chunk.
  const ours = { idPrefix: `{"id":${JSON.stringify(id)},`, modelPair: `,"model":${JSON.stringify(model)}` };
  return (data, chunk) => {
    const spliced = splice(data, chunk, ours);
    if (spliced !== null) return spliced;
    restamp(chunk, id, model);
    return JSON.stringify(chunk);
  };
}

/** The parsed chunk with our id and model and without usage (for chunks the gateway holds back and sends later). */
export function restamp(chunk: Record<string, unknown>, id: string, model: string): void {
  chunk.id = id;
  chunk.model = model;
  chunk.usage = undefined; // dropped by JSON.stringify; `delete` would turn the object into a slow dictionary
}

function splice(data: string, chunk: Record<string, unknown>, ours: { idPrefix: string; modelPair: string }): string | null {
  if (typeof chunk.id !== "string" || typeof chunk.model !== "string") return null;
  if (chunk.usage !== undefined && chunk.usage !== null) return null;
  // The id must be the first key: then it is the chunk's own, not one inside the choices.
  const idPrefix = `{"id":${JSON.stringify(chunk.id)},`;
  if (!data.startsWith(idPrefix)) return null;
  let text = ours.idPrefix + data.slice(idPrefix.length);
  // Inside string values every quote is escaped, so this exact pair only matches a real key; it must
  // appear once, before the choices (where OpenAI's order puts the chunk's own model).
  const modelPair = `,"model":${JSON.stringify(chunk.model)}`;
  const at = text.indexOf(modelPair);
  const choicesAt = text.indexOf(`,"choices":`);
  if (at < 0 || choicesAt < at || text.indexOf(modelPair, at + modelPair.length) >= 0) return null;
  text = text.slice(0, at) + ours.modelPair + text.slice(at + modelPair.length);
  if (chunk.usage === null) {
    // The chunk's own usage is its last key in OpenAI's order.
    const usageTail = `,"usage":null}`;
    if (!text.endsWith(usageTail)) return null;
    text = `${text.slice(0, -usageTail.length)}}`;
  } else if (text.includes(`"usage":`)) {
    return null;
  }
  return text;
}
