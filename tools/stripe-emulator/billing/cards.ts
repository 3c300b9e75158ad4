import type { CardBehaviour } from "../state/store";

/**
 * Stripe's documented test cards. Numbers not in this table are refused like
 * Stripe refuses real cards in test mode.
 */
export interface TestCard {
  number: string;
  brand: "visa" | "mastercard" | "amex";
  behaviour: CardBehaviour;
}

const ok = (charge: CardBehaviour["charge"] = "succeeds", attachDeclined = false): CardBehaviour => ({ charge, attachDeclined });

export const TEST_CARDS: TestCard[] = [
  { number: "4242424242424242", brand: "visa", behaviour: ok() },
  { number: "4000056655665556", brand: "visa", behaviour: ok() },
  { number: "5555555555554444", brand: "mastercard", behaviour: ok() },
  { number: "378282246310005", brand: "amex", behaviour: ok() },
  { number: "4000000000000002", brand: "visa", behaviour: ok("generic_decline", true) },
  { number: "4000000000009995", brand: "visa", behaviour: ok("insufficient_funds", true) },
  { number: "4000000000000069", brand: "visa", behaviour: ok("expired_card", true) },
  { number: "4000000000000127", brand: "visa", behaviour: ok("incorrect_cvc", true) },
  // Saves fine, but every later charge is declined: renewals that fail.
  { number: "4000000000000341", brand: "visa", behaviour: ok("generic_decline", false) },
];

/** Stripe's magic PaymentMethod ids; each use makes a fresh `pm_…` with that card. */
export const MAGIC_PAYMENT_METHODS: Record<string, string> = {
  pm_card_visa: "4242424242424242",
  pm_card_mastercard: "5555555555554444",
  pm_card_amex: "378282246310005",
  pm_card_chargeDeclined: "4000000000000002",
  pm_card_chargeDeclinedInsufficientFunds: "4000000000009995",
  pm_card_chargeDeclinedExpiredCard: "4000000000000069",
  pm_card_chargeDeclinedIncorrectCvc: "4000000000000127",
  pm_card_chargeCustomerFail: "4000000000000341",
};

export function findTestCard(rawNumber: string): TestCard | null {
  const digits = rawNumber.replace(/[\s-]/g, "");
  return TEST_CARDS.find((card) => card.number === digits) ?? null;
}

export interface DeclineDetails {
  code: string;
  declineCode: string;
  message: string;
}

export function declineFor(outcome: CardBehaviour["charge"]): DeclineDetails | null {
  switch (outcome) {
    case "succeeds":
      return null;
    case "insufficient_funds":
      return { code: "card_declined", declineCode: "insufficient_funds", message: "Your card has insufficient funds." };
    case "expired_card":
      return { code: "expired_card", declineCode: "expired_card", message: "Your card has expired." };
    case "incorrect_cvc":
      return { code: "incorrect_cvc", declineCode: "incorrect_cvc", message: "Your card's security code is incorrect." };
    default:
      return { code: "card_declined", declineCode: "generic_decline", message: "Your card was declined." };
  }
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length >= 12 && sum % 10 === 0;
}
