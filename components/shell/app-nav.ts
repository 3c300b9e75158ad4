/** The signed-in app's sections. Later features add their entry here. */
export const appNav = [
  { href: "/dashboard", label: "Overview" },
  { href: "/playground", label: "Playground" },
  { href: "/settings/usage", label: "Usage" },
  { href: "/settings/billing", label: "Billing" },
  { href: "/settings/team", label: "Team" },
  { href: "/settings/api-keys", label: "API keys" },
  { href: "/settings/protection", label: "Protection" },
];
