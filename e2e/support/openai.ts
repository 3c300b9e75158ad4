import OpenAI from "openai";

/** The gateway of the server Playwright starts (playwright.config.ts webServer), over real HTTP. */
export const gatewayBaseURL = `http://localhost:${Number(process.env.E2E_PORT ?? 3100)}/api/v1`;

/** The official client pointed at the app's gateway, as a customer would use it. */
export function openaiClient(apiKey: string, action = "e2e.chat") {
  return new OpenAI({ baseURL: gatewayBaseURL, apiKey, maxRetries: 0, defaultHeaders: { "x-action": action } });
}

/** Sends one chat completion and returns the credits the gateway charged (x-credits-charged). */
export async function chargedCompletion(client: OpenAI, body: { model: string; content: string; max_tokens?: number }): Promise<number> {
  const { response } = await client.chat.completions
    .create({ model: body.model, max_tokens: body.max_tokens ?? 64, messages: [{ role: "user", content: body.content }] })
    .withResponse();
  return Number(response.headers.get("x-credits-charged"));
}
