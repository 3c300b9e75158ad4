import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/config/env";
import { toIdentity } from "./identity";

afterEach(() => {
  delete process.env.ADMIN_EMAILS;
  resetEnvForTests();
});

describe("platform admins come from ADMIN_EMAILS", () => {
  it("listed emails (any case, spaces around commas) are admins; others are not", () => {
    process.env.ADMIN_EMAILS = " Root@Example.test , ops@example.test";
    resetEnvForTests();
    expect(toIdentity({ id: "usr_1", email: "root@example.test", name: "R" }).isPlatformAdmin).toBe(true);
    expect(toIdentity({ id: "usr_2", email: "ops@example.test", name: "O" }).isPlatformAdmin).toBe(true);
    expect(toIdentity({ id: "usr_3", email: "user@example.test", name: "U" }).isPlatformAdmin).toBe(false);
  });

  it("unset → nobody is an admin", () => {
    resetEnvForTests();
    expect(toIdentity({ id: "usr_1", email: "root@example.test", name: "R" }).isPlatformAdmin).toBe(false);
  });
});
