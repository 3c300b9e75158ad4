import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, countTokens, countChatPromptTokens, type MockLlm } from "../index";
import { clientFor, collectStream, userMessage } from "./helpers";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

describe("chat completions (non-streaming)", () => {
  it("answers in OpenAI's shape with usage equal to the tokenizer's counts", async () => {
    const messages = [
      { role: "system" as const, content: "You are terse." },
      { role: "user" as const, content: "Summarise the ledger for account 42, please." },
    ];
    const completion = await clientFor(mock.url).chat.completions.create({ model: "mock-small", messages });

    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("mock-small");
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(5);
    expect(completion.choices).toHaveLength(1);
    const choice = completion.choices[0]!;
    expect(choice.index).toBe(0);
    expect(choice.finish_reason).toBe("stop");
    expect(choice.message.role).toBe("assistant");
    const text = choice.message.content ?? "";
    expect(text.length).toBeGreaterThan(0);

    expect(completion.usage?.prompt_tokens).toBe(countChatPromptTokens(messages));
    expect(completion.usage?.completion_tokens).toBe(countTokens(text));
    expect(completion.usage?.total_tokens).toBe(countChatPromptTokens(messages) + countTokens(text));
    // Default length is a fixed function of the prompt, 20–60 tokens.
    expect(completion.usage?.completion_tokens).toBeGreaterThanOrEqual(20);
    expect(completion.usage?.completion_tokens).toBeLessThanOrEqual(60);
  });

  it("caps the reply at max_tokens with finish_reason length, as a prefix of the full reply", async () => {
    const client = clientFor(mock.url);
    const messages = userMessage("cap me");
    const full = await client.chat.completions.create({ model: "mock-small", messages });
    const capped = await client.chat.completions.create({ model: "mock-small", messages, max_tokens: 5 });
    const cappedNew = await client.chat.completions.create({ model: "mock-small", messages, max_completion_tokens: 7 });

    expect(capped.choices[0]?.finish_reason).toBe("length");
    expect(capped.usage?.completion_tokens).toBe(5);
    expect(countTokens(capped.choices[0]?.message.content ?? "")).toBe(5);
    expect(full.choices[0]?.message.content?.startsWith(capped.choices[0]?.message.content ?? "\u0000")).toBe(true);
    expect(cappedNew.usage?.completion_tokens).toBe(7);
    expect(cappedNew.choices[0]?.finish_reason).toBe("length");
  });

  it("does not report length when max_tokens is larger than the reply", async () => {
    const completion = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages: userMessage("short one"),
      max_tokens: 1000,
    });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("is deterministic per messages + model and differs otherwise", async () => {
    const client = clientFor(mock.url);
    const ask = async (model: string, content: string) =>
      (await client.chat.completions.create({ model, messages: userMessage(content) })).choices[0]?.message.content;

    const first = await ask("mock-small", "tell me about metering");
    expect(await ask("mock-small", "tell me about metering")).toBe(first);
    expect(await ask("mock-small", "tell me about billing")).not.toBe(first);
    expect(await ask("mock-large", "tell me about metering")).not.toBe(first);
  });

  it("lists the default models plus any requested one", async () => {
    const client = clientFor(mock.url);
    await client.chat.completions.create({ model: "some-custom-model", messages: userMessage("hi") });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(["mock-small", "mock-large", "some-custom-model"]));
    expect((await client.models.retrieve("any-model-at-all")).id).toBe("any-model-at-all");
  });
});

describe("chat completions (streaming)", () => {
  it("streams one chunk per token with a shared id, then a usage chunk with empty choices", async () => {
    const messages = userMessage("stream me a story");
    const stream = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, text } = await collectStream(stream);

    const ids = new Set(chunks.map((chunk) => chunk.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^chatcmpl-/);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");

    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.prompt_tokens).toBe(countChatPromptTokens(messages));
    expect(last.usage?.completion_tokens).toBe(countTokens(text));
    expect(last.usage?.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);

    const finish = chunks.at(-2)!;
    expect(finish.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);

    const contentChunks = chunks.filter((chunk) => (chunk.choices[0]?.delta.content ?? "") !== "");
    expect(contentChunks).toHaveLength(countTokens(text));
  });

  it("streams the same text as the non-streaming answer", async () => {
    const client = clientFor(mock.url);
    const messages = userMessage("same either way");
    const plain = await client.chat.completions.create({ model: "mock-small", messages });
    const { text } = await collectStream(await client.chat.completions.create({ model: "mock-small", messages, stream: true }));
    expect(text).toBe(plain.choices[0]?.message.content);
  });

  it("omits usage entirely without include_usage", async () => {
    const stream = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages: userMessage("no usage please"),
      stream: true,
    });
    const { chunks } = await collectStream(stream);
    expect(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(true);
  });

  it("groups tokens into chunks when started with tokensPerChunk", async () => {
    const grouped = await startMockLlm({ tokensPerChunk: 5 });
    try {
      const stream = await clientFor(grouped.url).chat.completions.create({
        model: "mock-small",
        messages: userMessage("[mock tokens=12]"),
        stream: true,
      });
      const { chunks, text } = await collectStream(stream);
      const contents = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").filter((content) => content !== "");
      expect(contents.map(countTokens)).toEqual([5, 5, 2]);
      expect(countTokens(text)).toBe(12);
    } finally {
      await grouped.close();
    }
  });

  it("caps a stream at max_tokens", async () => {
    const stream = await clientFor(mock.url).chat.completions.create({
      model: "mock-small",
      messages: userMessage("capped stream"),
      stream: true,
      max_tokens: 4,
      stream_options: { include_usage: true },
    });
    const { chunks, text } = await collectStream(stream);
    expect(countTokens(text)).toBe(4);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(4);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("length");
  });
});
