/**
 * Deterministic "LLM-looking" text whose token count is known by construction.
 *
 * The reply is a list of pieces, each exactly one o200k_base token: words with a leading space
 * (" model"), a capitalised sentence start, or a lone "," / ".". The tokenizer's pre-split regex
 * cuts text at exactly these boundaries (a space before a word, punctuation after a word), and
 * BPE never merges across pre-split chunks, so tokens(join(pieces)) === pieces.length.
 * Punctuation is never emitted twice in a row, since ".." would pre-split as one chunk.
 */
import { encode } from "gpt-tokenizer/encoding/o200k_base";

const CANDIDATE_WORDS = (
  "the a model token stream usage credit ledger request response gateway meter billing plan " +
  "account user price cost budget limit quota rate time data value system answer question " +
  "reply result number count total sum balance invoice payment customer service server client " +
  "network cache queue worker job task event record report page table row column field key " +
  "is are was will can should may must does has had be been being have make take give " +
  "run send read write check count build start stop keep move open close find show use " +
  "and or but so then when while because if although after before until since " +
  "fast slow quick simple clear small large new old first last next good bad high low " +
  "each every some many more most few other same different exact early late ready " +
  "in on at to from with for by of about over under into through between " +
  "today now here there always often never again also only just still very"
).split(" ");

/** Encode ordinary text (no special tokens), returning the token count. */
function tokenLength(text: string): number {
  return encode(text, { disallowedSpecial: new Set<string>() }).length;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

interface Vocabulary {
  /** " word" forms used inside a sentence. */
  inner: readonly string[];
  /** " Word" forms used to start any sentence but the first. */
  sentenceStart: readonly string[];
  /** "Word" forms used for the very first piece of the reply. */
  replyStart: readonly string[];
}

/**
 * Keep only words whose three spellings are each a single token, so the guarantee above holds.
 * Built once at module load (a few hundred encodes, ~milliseconds).
 */
function buildVocabulary(): Vocabulary {
  const words = CANDIDATE_WORDS.filter(
    (word) =>
      word.length > 0 &&
      tokenLength(` ${word}`) === 1 &&
      tokenLength(` ${capitalise(word)}`) === 1 &&
      tokenLength(capitalise(word)) === 1,
  );
  if (words.length < 32) throw new Error(`mock-llm vocabulary too small (${words.length} words)`);
  return {
    inner: words.map((word) => ` ${word}`),
    sentenceStart: words.map((word) => ` ${capitalise(word)}`),
    replyStart: words.map(capitalise),
  };
}

const VOCABULARY = buildVocabulary();

/** mulberry32: tiny, fast, good enough to make text look varied; not for cryptography. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(list: readonly string[], random: () => number): string {
  // The vocabulary is non-empty (checked at load), so the index is always in range.
  return list[Math.floor(random() * list.length)] as string;
}

/**
 * `count` single-token pieces generated from `seed`. The same seed always gives the same
 * sequence, and a shorter count is a prefix of a longer one (so max_tokens truncates a reply
 * rather than changing it).
 */
export function generatePieces(seed: number, count: number): string[] {
  const random = createRandom(seed);
  const pieces: string[] = [];
  let sentenceLength = 0;
  let sentenceTarget = 0;
  let previousWasPunctuation = true;
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      pieces.push(pick(VOCABULARY.replyStart, random));
      sentenceLength = 1;
      sentenceTarget = 5 + Math.floor(random() * 9);
      previousWasPunctuation = false;
    } else if (!previousWasPunctuation && sentenceLength >= sentenceTarget) {
      pieces.push(".");
      previousWasPunctuation = true;
      sentenceLength = 0;
    } else if (sentenceLength === 0) {
      pieces.push(pick(VOCABULARY.sentenceStart, random));
      sentenceLength = 1;
      sentenceTarget = 5 + Math.floor(random() * 9);
      previousWasPunctuation = false;
    } else if (!previousWasPunctuation && sentenceLength >= 3 && random() < 0.08) {
      pieces.push(",");
      previousWasPunctuation = true;
    } else {
      pieces.push(pick(VOCABULARY.inner, random));
      sentenceLength++;
      previousWasPunctuation = false;
    }
  }
  return pieces;
}

/** Default reply length when the request does not force one: 20–60 tokens, fixed per seed. */
export function defaultReplyLength(seed: number): number {
  return 20 + (seed % 41);
}
