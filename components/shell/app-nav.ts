/** The signed-in app's sections. Later features add their entry here. */
export const appNav = [
  { href: "/dashboard", label: "Overview" },
  { href: "/settings/team", label: "Team" },
  { href: "/settings/api-keys", label: "API keys" },
  { href: "/settings/billing", label: "Billing" },
  { href: "/settings/protection", label: "Protection" },
];
