// Cost protection: the circuit breaker (request-path hooks, trips, resumes), spike guard, defaults.
export { assertBreakerAllows, afterCapture, accountFrozenError, confirmBreakerFreeze, checkBreakerBeforeHold } from "./breaker/guard";
export { persistTrip, resumeBreaker, listTrips, syncBreakerState } from "./breaker/trips";
export { resetBreakerForTests } from "./breaker/registry";
export { getProtectionConfig, resetProtectionConfigForTests } from "./config";
