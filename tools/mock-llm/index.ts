/** Public API of the mock LLM. */
export { startMockLlm, type MockLlm, type MockLlmOptions, type MockLlmStats } from "./server";
export {
  countTokens,
  countChatPromptTokens,
  messageText,
  TOKENIZER_ENCODING,
  type CountableChatMessage,
  type ChatContentPart,
} from "./tokens";
export { type FaultPlan } from "./faults";
export { spawnMockLlm, type SpawnedMockLlm } from "./spawn";
