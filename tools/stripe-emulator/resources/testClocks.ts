import type Stripe from "stripe";
import { runDueWork } from "../billing/scheduler";
import { newId } from "../state/ids";
import { invalidRequest } from "../server/errors";
import { paginate } from "../server/list";
import type { Route } from "../server/router";
import { getOr404 } from "./common";

const DELETES_AFTER_SECONDS = 30 * 86_400;

export const testClockRoutes: Route[] = [
  {
    method: "POST",
    pattern: "/v1/test_helpers/test_clocks",
    handler: ({ emu, params }) => {
      const frozen = params.requiredInt("frozen_time");
      const now = emu.clock.realNow();
      const clock: Stripe.TestHelpers.TestClock = {
        id: newId("clock"),
        object: "test_helpers.test_clock",
        created: now,
        deletes_after: now + DELETES_AFTER_SECONDS,
        frozen_time: frozen,
        livemode: false,
        name: params.string("name") ?? null,
        status: "ready",
        status_details: {},
      };
      emu.state.testClocks[clock.id] = clock;
      emu.emit("test_helpers.test_clock.created", clock, null);
      return clock;
    },
  },
  { method: "GET", pattern: "/v1/test_helpers/test_clocks/:id", handler: ({ emu, path }) => getOr404(emu.state.testClocks, path.id ?? "", "test_helpers.test_clock") },
  { method: "GET", pattern: "/v1/test_helpers/test_clocks", handler: ({ emu, params }) => paginate(Object.values(emu.state.testClocks), params, "/v1/test_helpers/test_clocks") },
  {
    method: "DELETE",
    pattern: "/v1/test_helpers/test_clocks/:id",
    handler: ({ emu, path }) => {
      const clock = getOr404(emu.state.testClocks, path.id ?? "", "test_helpers.test_clock");
      delete emu.state.testClocks[clock.id];
      emu.emit("test_helpers.test_clock.deleted", clock, null);
      return { id: clock.id, object: "test_helpers.test_clock", deleted: true } satisfies Stripe.TestHelpers.DeletedTestClock;
    },
  },
  {
    method: "POST",
    pattern: "/v1/test_helpers/test_clocks/:id/advance",
    handler: ({ emu, params, path }) => {
      const clock = getOr404(emu.state.testClocks, path.id ?? "", "test_helpers.test_clock");
      const target = params.requiredInt("frozen_time");
      if (target <= clock.frozen_time) {
        throw invalidRequest(`The test clock's frozen_time can only be advanced forward; ${target} is not after ${clock.frozen_time}.`, { param: "frozen_time" });
      }
      emu.emit("test_helpers.test_clock.advancing", { ...clock, status: "advancing" }, null);
      // Stripe advances asynchronously; the emulator finishes before answering, so
      // the returned clock is already `ready` and every renewal event is queued.
      runDueWork(emu, clock, target);
      clock.status = "ready";
      emu.emit("test_helpers.test_clock.ready", clock, null);
      return clock;
    },
  },
];
