/** A playground request that may hold more than this asks for an explicit confirmation first. */
export const playgroundConfirmAboveCredits = 20_000;
