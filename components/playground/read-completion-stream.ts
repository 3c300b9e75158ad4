/**
 * Reads the gateway's SSE answer in the browser: calls `onText` for every content delta and
 * returns the request id and the usage (with credits_charged) from the final chunk. An `error`
 * event (the provider failed mid-stream) is thrown with its message.
 */
export type StreamResult = { requestId: string | null; usage: { prompt_tokens: number; completion_tokens: number; credits_charged: number } | null };

export async function readCompletionStream(body: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<StreamResult> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const result: StreamResult = { requestId: null, usage: null };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
        const chunk = JSON.parse(line.slice(6)) as {
          id?: string;
          error?: { message?: string };
          choices?: { delta?: { content?: string | null } }[];
          usage?: StreamResult["usage"];
        };
        if (chunk.error) throw new Error(chunk.error.message ?? "The model failed mid-answer");
        if (chunk.id) result.requestId = chunk.id;
        const text = chunk.choices?.[0]?.delta?.content;
        if (text) onText(text);
        if (chunk.usage) result.usage = chunk.usage;
      }
    }
  }
  return result;
}
