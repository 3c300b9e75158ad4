import { cn } from "./cn";

const tones = {
  neutral: "bg-zinc-100 text-zinc-700",
  brand: "bg-brand-50 text-brand-700",
  green: "bg-emerald-50 text-emerald-800",
  red: "bg-red-50 text-red-800",
  amber: "bg-amber-50 text-amber-900",
};

export function Badge({ tone = "neutral", className, ...props }: React.HTMLAttributes<HTMLSpanElement> & { tone?: keyof typeof tones }) {
  return <span className={cn("inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium", tones[tone], className)} {...props} />;
}
