/**
 * Shared shell for the hosted pages: no external assets, system fonts, WCAG AA
 * contrast, visible focus rings, and a banner that says this is not real Stripe.
 */
export function escapeHtml(value: string | number | null | undefined): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLES = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f8fa;color:#1a1f36;line-height:1.5}
.banner{background:#3d2b00;color:#fff;padding:.5rem 1rem;text-align:center;font-size:.9rem}
.banner strong{color:#ffd479}
main{max-width:960px;margin:0 auto;padding:1.5rem 1rem;display:grid;gap:1.5rem}
@media(min-width:768px){main.split{grid-template-columns:1fr 1fr}}
section{background:#fff;border:1px solid #d5dbe1;border-radius:8px;padding:1.25rem}
h1{font-size:1.4rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:0 0 .75rem}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.4rem 0;border-bottom:1px solid #e3e8ee;vertical-align:top}
td.num,th.num{text-align:right}
tfoot td{font-weight:700;border-bottom:none}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{width:100%;font-size:1rem;padding:.6rem .7rem;border:1px solid #8792a2;border-radius:6px;color:#1a1f36;background:#fff}
.row{display:flex;gap:.75rem}.row>div{flex:1}
button,.button{display:inline-block;font-size:1rem;font-weight:600;padding:.7rem 1.2rem;border-radius:6px;border:none;background:#4f46e5;color:#fff;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:#30313d;border:1px solid #8792a2}
button.danger{background:#b42318}
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
a{color:#3730a3}
.pay{width:100%;margin-top:1rem}
.error{background:#fef3f2;border:1px solid #b42318;color:#7a271a;padding:.75rem;border-radius:6px;margin-bottom:1rem}
.notice{background:#ecfdf3;border:1px solid #067647;color:#054f31;padding:.75rem;border-radius:6px;margin-bottom:1rem}
.muted{color:#4b5565;font-size:.9rem}
.hint{color:#4b5565;font-size:.85rem;margin:.25rem 0 0}
fieldset{border:1px solid #d5dbe1;border-radius:6px;margin:1rem 0 0;padding:.5rem 1rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.75rem}
`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Stripe sandbox (emulator)</title>
<style>${STYLES}</style>
</head>
<body>
<div class="banner" role="note" data-testid="sandbox-banner"><strong>Stripe sandbox (emulator)</strong> — test mode, no real money moves. This page imitates Stripe for local development.</div>
${body}
</body>
</html>`;
}
